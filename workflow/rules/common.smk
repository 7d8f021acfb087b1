# Config loading and validation, and small helpers shared by the rules.

import os
import re
import sys

try:
    from sentiment_rnn import sweep
    from sentiment_rnn.config import (
        ConfigError,
        check_yaml_file,
        load_schema,
        validate_config,
    )
except ImportError as err:
    raise ImportError(
        f"the sentiment_rnn package is not importable ({err}); "
        "install the project first: pip install -e ."
    ) from None

# Job scripts read and write UTF-8 whatever the machine's locale (a C or
# ASCII locale would make non-ASCII file names and text fail in them).
os.environ.update(PYTHONUTF8="1")


def stop_on_config_error(check, *args):
    """A mistake in the configuration ends the run with its message alone
    (exit status 1): raised, Snakemake would print lines of this project's
    code after it, as it does for a bug."""
    try:
        return check(*args)
    except ConfigError as err:
        sys.exit(str(err))


# config.yaml and every --configfile: safe loading, each key given once
for path in ["config.yaml"] + list(getattr(workflow, "overwrite_configfiles", ())):
    stop_on_config_error(check_yaml_file, path)


configfile: "config.yaml"


stop_on_config_error(
    validate_config,
    config,
    load_schema(workflow.source_path("../schemas/config.schema.yaml")),
)

CONDA_ENV = "../../envs/cpu.yaml"


def reviews_download():
    """The downloaded reviews keep their form in their suffix."""
    suffix = {"aclimdb": "tar.gz", "csv": "csv"}[config["reviews_format"]]
    return f"data/raw/reviews.{suffix}"


def glove_download():
    """The raw GloVe file, or nothing when the vectors come from a package."""
    if config["glove_source"] == "package":
        return []
    suffix = {"text": "txt", "zip": "zip"}[config["glove_source"]]
    return f"data/raw/glove.{suffix}"


def source_params(name):
    """A source's settings in a fixed key order (so that reordering them in
    config.yaml reruns nothing), and the digests its file may have."""
    source = config[name]
    digests = sorted({source["sha256"], source.get("mirror_sha256") or source["sha256"]})
    return {"source": dict(sorted(source.items())), "digests": digests}


def glove_settings():
    """Only the settings of the chosen GloVe source, so that editing another
    source's settings reruns nothing."""
    if config["glove_source"] == "package":
        return {"package": config["glove_package"], "sha256": config["glove_package_sha256"]}
    digests = source_params("glove")["digests"]
    if config["glove_source"] == "zip":
        return {"member": config["glove_zip_member"], "digests": digests}
    return {"digests": digests}


def project_file(path):
    """A path from the config: as given when it exists from the working
    directory, else relative to the workflow's own folder (its resources)."""
    if os.path.isabs(path) or os.path.exists(path):
        return path
    return os.path.join(workflow.basedir, path)


def job_settings(rule):
    """A rule's threads, mem_mb, runtime and gpus: its entry under `resources`
    in the config over the `default` entry."""
    resources = config["resources"]
    return {"gpus": 0, **resources["default"], **resources.get(rule, {})}


def job_threads(rule):
    return job_settings(rule)["threads"]


def job_resources(rule):
    """What a rule's jobs ask of the scheduler besides threads. GPUs only with
    device cuda: with auto the code falls back to the CPU, so a GPU asked for
    would only make the job wait for one."""
    settings = job_settings(rule)
    return {
        "mem_mb": settings["mem_mb"],
        "runtime": settings["runtime"],
        "gpu": settings["gpus"] if config["device"] == "cuda" else 0,
    }


# The sweep: every point of the grid is one model (sentiment_rnn.sweep).
MODELS = sweep.points(config["sweep"])
MODEL_PATTERN = "|".join(re.escape(name) for name in MODELS)
TRAINING_KEYS = (
    "cell", "layers", "bidirectional", "hidden_size", "head", "epochs",
    "batch_size", "optimizer", "learning_rate", "clip_norm", "weight_decay",
    "lr_schedule", "dropout", "embedding_dropout", "embedding_lr_scale",
    "ema_decay", "patience", "seed", "train_embeddings", "device", "dtype",
    "flush_subnormals", "batch_slices",
)


def point_setting(key):
    """A setting of the point being trained: its grid value, else the config's."""
    return lambda wildcards: MODELS[wildcards.model].get(key, config[key])


def training_settings(wildcards):
    overrides = MODELS[wildcards.model]
    return {key: overrides.get(key, config[key]) for key in TRAINING_KEYS}


def model_files(name):
    return expand("results/models/{model}/{name}", model=MODELS, name=name)
