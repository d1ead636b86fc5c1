"""The instructor home: the one page that reads every content app (the top layer of the site)."""
