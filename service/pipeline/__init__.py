"""The drafting pipeline's stages: brief → outline → prompts → parts → cleanup → assembly →
checks → repair, run in order by pipeline.Pipeline."""
