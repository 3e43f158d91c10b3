"""The audit trail page (/audit): every recorded change, filtered, with readable names."""
