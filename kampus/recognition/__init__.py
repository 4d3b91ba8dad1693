"""Recognition of prior learning approved by the organisation's managers."""
