"""Figure and table builders shared by pages: data and a language in, a Plotly figure or a display table out."""
