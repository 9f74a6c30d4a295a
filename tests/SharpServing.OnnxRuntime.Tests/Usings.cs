global using Fixtures = SharpServing.ModelFixtures.ModelFixtures;
