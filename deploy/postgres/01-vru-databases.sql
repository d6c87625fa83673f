-- Run once by the postgres image when its data volume is first initialised: one database per service.
CREATE DATABASE vru_referrals;
CREATE DATABASE vru_interventions;
CREATE DATABASE vru_outcomes;
CREATE DATABASE vru_identity;
