"""What is new for a person: the home page (and, later, the Secretariat's desk and the usage
figures). An aggregator: it reads the other domains' rows through their models and
`portal.access`; no domain imports it."""
