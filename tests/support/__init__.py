"""Test support: real local servers and helpers shared by test tiers."""
