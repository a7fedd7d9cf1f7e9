"""A labelled retrieval set, written for this project: 50 passages on ten topics (five each, close to one
another on purpose, so that a query must find the right one of its topic) and 30 queries, each with the
passages that answer it. Some queries share the passage's words (full-text search finds them), some
paraphrase it (only meaning does), some name a rare term (an id, a number). Used by
bench/retrieval_quality.py."""

PASSAGES: dict[str, str] = {
    # Harbors
    "harbor-1": "A breakwater is a wall built out into the sea to shelter a harbor from waves.",
    "harbor-2": "Ships are tied to bollards along the quay with mooring lines fore and aft.",
    "harbor-3": "The harbor master assigns berths and keeps a log of every vessel that enters port.",
    "harbor-4": "Dredging keeps the shipping channel deep enough for container ships at low tide.",
    "harbor-5": "Tugboats push and pull large vessels that cannot turn in the narrow basin alone.",
    # Lighthouses
    "light-1": "Each lighthouse flashes in its own pattern, its character, so sailors can identify it.",
    "light-2": "A Fresnel lens uses rings of prisms to bend the lamp's light into a narrow, far beam.",
    "light-3": "Keepers once lived in the tower, winding the clockwork that turned the lens every night.",
    "light-4": "Most lighthouses are automated today and monitored remotely by the coast authority.",
    "light-5": "In fog, a lighthouse sounds its horn because the light cannot be seen through the mist.",
    # Baking
    "bake-1": "Cream the butter and sugar until pale before adding the eggs one at a time.",
    "bake-2": "Bread rises because yeast ferments sugars and releases carbon dioxide into the dough.",
    "bake-3": "A sourdough starter is a culture of wild yeast and bacteria fed with flour and water.",
    "bake-4": "Bake the sponge at 180 degrees for twenty-five minutes, until a skewer comes out clean.",
    "bake-5": "Resting pastry in the fridge relaxes the gluten so it does not shrink in the oven.",
    # Astronomy
    "astro-1": "A light-year is the distance light travels in one year, about 9.46 trillion kilometres.",
    "astro-2": "Jupiter's Great Red Spot is a storm larger than the Earth that has raged for centuries.",
    "astro-3": "The Moon shows phases because we see different parts of its sunlit half as it orbits.",
    "astro-4": "A solar eclipse happens when the Moon passes between the Earth and the Sun.",
    "astro-5": "Saturn's rings are made of countless pieces of ice and rock orbiting the planet.",
    # Gardening
    "garden-1": "Tomatoes need full sun and regular watering, and their stems should be tied to stakes.",
    "garden-2": "Compost turns kitchen scraps and leaves into dark, crumbly soil rich in nutrients.",
    "garden-3": "Prune roses in late winter, cutting just above an outward-facing bud.",
    "garden-4": "Aphids are small sap-sucking insects; ladybirds eat them and keep them in check.",
    "garden-5": "Mulch keeps moisture in the soil and stops weeds from getting light.",
    # Software deployment
    "deploy-1": "A blue-green deployment runs two identical environments and switches traffic at once.",
    "deploy-2": "A canary release sends a small share of users to the new version before everyone else.",
    "deploy-3": "Roll back by pointing the load balancer at the previous build if error rates climb.",
    "deploy-4": "Database migrations should be backward compatible so old and new code can run together.",
    "deploy-5": "Feature flags let a team ship code dark and turn features on for chosen users later.",
    # Health
    "health-1": "Adults need seven to nine hours of sleep a night for memory and mood.",
    "health-2": "Regular aerobic exercise strengthens the heart and lowers blood pressure.",
    "health-3": "Drinking water through the day helps the kidneys clear waste from the blood.",
    "health-4": "Fibre from vegetables, beans and whole grains keeps digestion regular.",
    "health-5": "Sunlight on the skin lets the body make vitamin D, which bones need.",
    # Finance
    "money-1": "Compound interest earns interest on past interest, so savings grow faster over time.",
    "money-2": "An index fund holds every stock in a market index and charges low fees.",
    "money-3": "An emergency fund should cover three to six months of essential expenses.",
    "money-4": "Inflation erodes the buying power of cash kept under the mattress.",
    "money-5": "Diversifying across assets lowers the risk that one loss sinks the whole portfolio.",
    # Travel
    "travel-1": "Carry your passport in hand luggage; checked bags can be delayed or lost.",
    "travel-2": "Jet lag eases faster if you adopt the local schedule and get daylight on arrival.",
    "travel-3": "Rail passes such as Interrail allow unlimited train journeys across Europe for a while.",
    "travel-4": "Travel insurance covers medical bills abroad and the cost of cancelled flights.",
    "travel-5": "Book accommodation near a metro station to save time getting around the city.",
    # Support tickets (rare terms)
    "ticket-1": "Error E4021 means the uploaded file exceeds the plan's size limit of 25 MB.",
    "ticket-2": "Error E5003 appears when the payment provider declines the card; ask for another card.",
    "ticket-3": "Password reset links expire after 30 minutes; request a new one if it has lapsed.",
    "ticket-4": "Accounts are locked for an hour after ten failed sign-in attempts.",
    "ticket-5": "Two-factor codes come from the authenticator app and change every 30 seconds.",
}

QUERIES: list[tuple[str, list[str]]] = [
    ("what shelters a harbor from the waves", ["harbor-1"]),
    ("how are ships tied up at the dock", ["harbor-2"]),
    ("who decides where a boat may moor", ["harbor-3"]),
    ("why do ports dig out their channels", ["harbor-4"]),
    ("how do sailors tell one lighthouse from another", ["light-1"]),
    ("what lens concentrates a lighthouse beam", ["light-2"]),
    ("what does a lighthouse do when visibility is poor", ["light-5"]),
    ("are lighthouse keepers still needed", ["light-4", "light-3"]),
    ("why does bread dough get bigger", ["bake-2", "bake-3"]),
    ("how long and how hot to bake a sponge cake", ["bake-4"]),
    ("stop pastry shrinking when baked", ["bake-5"]),
    ("how far is a light-year", ["astro-1"]),
    ("what causes a solar eclipse", ["astro-4"]),
    ("why does the moon change shape during the month", ["astro-3"]),
    ("what are Saturn's rings made of", ["astro-5"]),
    ("how do I get rid of aphids naturally", ["garden-4"]),
    ("when should roses be cut back", ["garden-3"]),
    ("keep weeds down and the soil moist", ["garden-5", "garden-2"]),
    ("release to a few users first before everyone", ["deploy-2"]),
    ("switch all traffic between two environments", ["deploy-1"]),
    ("what to do when the new version raises errors", ["deploy-3"]),
    ("ship unfinished features hidden behind a toggle", ["deploy-5"]),
    ("how much sleep does an adult need", ["health-1"]),
    ("which vitamin comes from the sun", ["health-5"]),
    ("why are index funds cheap", ["money-2"]),
    ("how big should a rainy-day savings buffer be", ["money-3"]),
    ("getting over jet lag", ["travel-2"]),
    ("E4021", ["ticket-1"]),
    ("my card was declined at checkout", ["ticket-2"]),
    ("the password reset email link no longer works", ["ticket-3"]),
]
