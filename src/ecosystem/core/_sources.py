"""The published sources the library's defaults cite, written once.

Dutch articles and public statistics, cited by title, outlet and year so that a reader can find
them without the project's files.
"""

from __future__ import annotations

#: Caring communities in the Netherlands (about 2,000) and, of 350 studied in 2020, the shares
#: that collaborate with home care (40%) and with neighbourhood teams and municipalities (90%).
CARING_COMMUNITIES = ("Zorginstituut Nederland, \"Passende zorg-dialoog: artsen en "
                      "zorgbestuurders 'daten' met vrijwilligersnetwerken\" (2023)")
#: The district-nursing alliance's 100 caring neighbourhoods and integrated primary care.
CARING_NEIGHBOURHOODS = ("Zorgvisie, \"Alliantie wijkverpleging zet in op 100 zorgzame "
                         "buurten\" (September 2023)")
#: Insurers and municipalities: several insurers in one municipality, each in many.
INSURERS_AND_MUNICIPALITIES = ("Zorgverzekeraars Nederland, \"Samenwerking zorg en gemeente "
                               "leeft en loont\" (undated)")
#: Integration of care and welfare; one front door for citizens.
FRONT_DOOR = ("ZorgImpuls, \"Integratie van zorg en welzijn: kansen voor de eerste lijn?\" "
              "(December 2012)")
#: Collaboration of the social and medical domains (different laws, funding and language;
#: social prescribing, welzijn op recept), after the VWS exploration of such collaborations.
SOCIAL_AND_MEDICAL = ("Agora, \"Samenwerking sociaal en medisch domein: hoe kan het wél?\" "
                      "(May 2024)")
#: General practices: 5,028 on 1 January 2016.
GP_PRACTICES = ("volksgezondheidenzorg.info, \"Aanbod eerstelijnszorg\" (NIVEL registrations, "
                "2016)")
#: GP contacts: 76.6% of registered patients had contact with their practice in 2021.
GP_CONTACTS = "NIVEL Zorgregistraties Eerste Lijn, \"Omvang zorggebruik\" (2021)"
#: Intensive informal carers: about 600,000 (> 3 months and > 8 hours a week), 2014.
INFORMAL_CARERS = "SCP, \"Informele hulp: wie doet er wat?\" (2014, as summarised by Movisie)"
#: Population of the Netherlands, 17.9 million.
POPULATION = "CBS, population of the Netherlands (2024)"
#: Neighbourhood statistics per buurt.
NEIGHBOURHOOD_STATISTICS = "CBS, \"Kerncijfers wijken en buurten\""
#: Municipalities pay for social support under the Social Support Act.
WMO = "Wet maatschappelijke ondersteuning 2015 (Wmo 2015)"
