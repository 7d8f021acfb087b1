"""Sentiment analysis with a recurrent network written from scratch in NumPy/CuPy.

The package holds the work of every pipeline stage so that tests and other tools
can use it without Snakemake: text cleaning (`text`), input reading (`datasets`,
`glove`), downloads (`files`), vocabulary and embeddings (`vocab`), the model and
its gradients (`model`), optimisers (`optim`), training (`train`) and scoring
(`score`).
"""

__version__ = "0.1.0"
