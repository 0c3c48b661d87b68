"""Fetchers for public sources: polite, retrying HTTP; files written atomically and checked."""
