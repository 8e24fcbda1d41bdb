"""gridcrm_rules: power-utility customer-management regulations as code."""
