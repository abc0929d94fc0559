.PHONY: model

model:
	.venv/bin/python tools/train_ner.py
