"""The exchange's rows are read on the city's page (/exchange/); the admin shows none of them."""
