"""Fetch one source (download or mirror copy) and check its sha256."""

from sentiment_rnn.files import fetch
from sentiment_rnn.stage import start_logging


def main(smk):
    source = smk.params.source
    mirror = smk.config.get("mirror")
    out_path = smk.output[0]

    done = start_logging(smk.log[0], smk.rule)
    origin = fetch(source, out_path, mirror=mirror)
    done(f"{out_path} from {origin}")


if __name__ == "__main__":
    main(snakemake)  # noqa: F821 (the object Snakemake's script directive provides)
