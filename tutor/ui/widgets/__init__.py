"""Reusable widgets and the drawing helpers behind them (pictures, charts, the footer)."""
