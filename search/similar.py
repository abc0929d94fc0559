"""Related articles: Whoosh's more-like-this over the German analysis.

An article's key terms are the stems (and compound parts) of its title and body
that are frequent in it and rare in the index (Whoosh's Bo1 model); the articles
that share most of them, weighted, are its neighbours.
"""

from whoosh import query as wq

#: Key terms taken from an article to find its neighbours.
NUMTERMS = 25


def key_terms(searcher, title, text, numterms=NUMTERMS):
    """The article's ``numterms`` most telling terms as ``(term, weight)``, best first.

    ``weight`` is normalised so the best term weighs 1.0.
    """
    return searcher.key_terms_from_text("body", f"{title}\n{text}", numterms=numterms,
                                        normalize=True)


def similar_query(terms, fields=("body", "title")):
    """An OR of weighted key terms over the text fields."""
    return wq.Or([wq.Term(f, term, boost=weight) for term, weight in terms for f in fields])
