"""What the editable prompts/ folder holds, loaded and checked: speech types and their
skeletons, part roles, the lexicon of formulations, the phrasebank, the prompt templates."""
