"""SNMP polling of printers, switches, UPS and room sensors (pysnmp loads only when configured)."""
