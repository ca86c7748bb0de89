"""What the paths of the API take."""

# A record's id in a path where a viewset spells its own pattern: plain ASCII digits, as
# Django's <int:...> converter takes (a regex's \d would also take "١٠", which Python's
# int reads as 10).
ID_IN_PATH = "[0-9]+"
