"""Sound for the film: speech engines (`tts`), casting (`voices`), line treatments, ambience, spot
effects and temp music synthesis, loudness, and the mix. Plain functions over numpy arrays and
files; the versioned artifacts are made by `aiuteur.stages.voices` and `aiuteur.stages.sound`.
See docs/sound.md. Kept light: importing the package loads no numpy.
"""
