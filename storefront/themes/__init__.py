"""How a store looks and what it says about itself: theme, brand, homepage, pages and navigation (tenant schema)."""
