"""The portal mirror: a local HTTP server that stands in for the five provincial portals.

Pages are reconstructions modelled on each portal's CMS, not captured copies. Every article
is generated on demand from (portal, index) with a fixed seed, so the mirror scales to tens of
thousands of articles per portal without holding pages in memory, and it knows its own ground
truth (`mirror.corpus.truth`).
"""
