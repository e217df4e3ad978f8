"""Shareframe frame software: pairs a Raspberry Pi e-paper frame and shows the photos sent to it.

The wire contract with the cloud is ``docs/protocol.md``; this package is its reference
implementation on the frame side.
"""

__version__ = "0.1.0"
