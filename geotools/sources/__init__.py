"""Source-specific reading: profiles that map raw features to status classes, safe KML/KMZ."""
