"""The seller's dashboard on the store's own host: settings, design, pages, staff, domains (tenant URLconf)."""
