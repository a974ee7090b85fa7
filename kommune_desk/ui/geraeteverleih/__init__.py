"""The Geräteverleih section: the shared equipment pool of the Kreis and its towns."""
