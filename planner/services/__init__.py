"""Business rules as keyword-only functions taking session=; views, CLI and tests share them."""
