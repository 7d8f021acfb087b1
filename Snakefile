# Sentiment workflow: IMDB reviews -> from-scratch RNN -> speech scores.
# This file only wires things together; see workflow/rules/ for the stages.

report: "workflow/report/workflow.rst"


include: "workflow/rules/common.smk"
include: "workflow/rules/download.smk"
include: "workflow/rules/prepare.smk"
include: "workflow/rules/model.smk"
include: "workflow/rules/score.smk"
include: "workflow/rules/bias.smk"
include: "workflow/rules/evaluate.smk"


rule all:
    input:
        "results/speech_scores.csv",
        "results/paragraph_scores.csv",
        "results/model/test_metrics.json",
        "results/plots/training_curves.png",
        "results/plots/speech_sentiment.png",
        "results/bias/embedding_association.csv",
        "results/model/comparison.csv",
        "results/plots/reliability.png",
        "results/plots/accuracy_by_length.png",
        "results/sweep/summary.csv",
        "results/plots/sweep.png",
    default_target: True
