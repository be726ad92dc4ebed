"""Signature verification of OCI artifacts and images (cosign)."""
