"""Old import path of the word cache and the codec (before ``index.codec``); kept because
indexes pickle ``index.postings.CompactCodec`` and ``index.postings.CompactPositions``
into their table of contents, and for code that still imports from here.

New code imports from :mod:`index.codec` and :mod:`index.wordcache`.
"""

from index.codec.blocks import (CompactLeafMatcher, CompactPostingsWriter,  # noqa: F401
                                _pack_deltas, _pack_uints, _unpack_uints, all_ids_and_weights,
                                inlined_term_info, positions_of)
from index.codec.buffer import PostingBuffer, TermPostings, write_buffered_postings  # noqa: F401
from index.codec.segment import CompactCodec  # noqa: F401
from index.codec.stored import (STORED_COLUMN, CompactPerDocReader,  # noqa: F401
                                CompactPerDocWriter, StoredFieldsColumn)
from index.wordcache import (CACHE_WORDS, CompactPositions, WordCachePositions,  # noqa: F401
                             trim_word_cache)
