"""The interventions service: programmes, and the enrolment of referred young people."""
