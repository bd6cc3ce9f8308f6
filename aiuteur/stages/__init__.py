"""One module per stage, each a set of typed functions over the store. See `catalog.STAGES`."""
