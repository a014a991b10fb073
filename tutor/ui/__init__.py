"""The Textual app. Renders engine results; never does tensor math itself."""
