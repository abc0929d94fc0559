.PHONY: model

model:
	.venv/bin/python tools/ner_data/convert.py
	.venv/bin/python tools/train_ner.py
