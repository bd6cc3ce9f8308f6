"""Prices and estimates. Offline engines cost 0; real models are priced from `data/prices.json`."""
from aiuteur.costs.prices import PriceTable, UnknownPrice, load_prices

__all__ = ["PriceTable", "UnknownPrice", "load_prices"]
