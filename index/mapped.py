"""Old import path of the memory-mapped segment files, now :mod:`index.codec.mapped`."""

from index.codec.mapped import MappedCompoundStorage, MappedFile, _BufferStream  # noqa: F401
