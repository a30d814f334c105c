"""KPIs: declarative definitions, the built-in library, ticket facts and evaluation."""
