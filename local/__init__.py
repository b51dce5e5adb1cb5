"""Local stand-ins for Pub/Sub and BigQuery: real emulator servers, started and stopped here."""
