"""Model-side code: the keras-hub ModelHandler and its helpers."""
