"""The local web view of a run: report, derived IIIF, Mirador, Content Search."""
