"""Readers that several families share (no toolbox imports here)."""
