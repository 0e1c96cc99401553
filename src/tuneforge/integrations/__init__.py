"""Integrations with other libraries: scikit-learn search estimators in `sklearn/`."""
