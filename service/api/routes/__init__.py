"""HTTP routes: each module translates requests to the search core and domain errors to HTTP."""
