"""Audio QC: channel mapping, layout, loudness and the auto-correction that remaps channels."""
