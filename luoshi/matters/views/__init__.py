"""The web workspace's matter pages. Views parse input, call services, render.

One view, two renderings: the full page, or its partial when htmx asks
(the HX-Request header). Every flow also works with plain form posts.
"""
