"""Model-side code: the keras-hub ModelHandler and its helpers."""

from handlers.backend import ensure_jax_backend

# Before any module of this package imports keras (`handlers.backend` says why here).
ensure_jax_backend()
