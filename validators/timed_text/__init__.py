"""Timed-text QC: readers for SRT, WebVTT, TTML/DFXP/IMSC 1.x and SCC into one exact-time model,
the Netflix checks over it, auto-corrections that write new files, and a TTML writer.
"""
