# Scoring each speech paragraph by paragraph.


rule score_speeches:
    input:
        speeches="results/clean/speeches.parquet",
        params="results/model/params.npz",
        vocab="results/vocab/vocab.tsv",
    output:
        speeches=report(
            "results/speech_scores.csv",
            caption="../report/speech_scores.rst",
            category="Speeches",
        ),
        paragraphs="results/paragraph_scores.csv",
    log:
        "results/logs/score_speeches.log",
    benchmark:
        "results/benchmarks/score_speeches.tsv"
    params:
        para_len=config["para_len"],
        stopwords=config["stopwords"],
        extra_stopwords=config["extra_stopwords"],
        device=config["device"],
    threads: job_threads("score_speeches")
    resources:
        **job_resources("score_speeches"),
    conda:
        CONDA_ENV
    script:
        "../scripts/score_speeches.py"


rule plot_speech_scores:
    input:
        speeches="results/speech_scores.csv",
    output:
        plot=report(
            "results/plots/speech_sentiment.png",
            caption="../report/speech_sentiment.rst",
            category="Speeches",
        ),
    log:
        "results/logs/plot_speech_scores.log",
    benchmark:
        "results/benchmarks/plot_speech_scores.tsv"
    threads: job_threads("plot_speech_scores")
    resources:
        **job_resources("plot_speech_scores"),
    conda:
        CONDA_ENV
    script:
        "../scripts/plot_speech_scores.py"
