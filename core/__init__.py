"""Domain-free machinery shared by the apps: tabular files, API plumbing, health and error
pages, the shared form templates. It has no models and imports no app of this project."""
