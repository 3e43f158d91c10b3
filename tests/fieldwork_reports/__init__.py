"""The field-work management pages: campaigns, agents, conversion, agents activity, cash."""
