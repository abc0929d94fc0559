"""Old import path of the term dictionary, now :mod:`index.codec.terms`."""

from index.codec.terms import (BLOCK_TERMS, CompactFieldCursor, CompactFieldWriter,  # noqa: F401
                               CompactTermsReader, decode_info, encode_info)
