"""The comuni of the Ambito territoriale Cremonese (the demo ambito).

Source: the Piano di Zona 2021-2023 of the Ambito Cremonese (seed 004:1377, "48 comuni
aderenti", lead body Comune di Cremona, managed with the Azienda Sociale del Cremonese) and the
composition of the Cremona district of ATS Val Padana. The province of Cremona (113 comuni in
ISTAT's list) splits into three ambiti: Cremonese (these 48), Cremasco (47, around Crema) and the
Cremona part of the Casalasco (18, around Casalmaggiore); ``CREMASCO`` and ``CASALASCO`` below
let a test check that the three lists partition the province exactly.

Names are ISTAT's current names: Ca' d'Andrea, once a member, merged into Torre de' Picenardi
in 2019, so it is not listed. The seed names no sub-ambiti, so none are defined. The district
boundaries were written down from public knowledge of the three districts, not copied from an
official act; before production use check them against the current Piano di Zona.
"""

from __future__ import annotations

AMBITO_CODE = "CREMONESE"
AMBITO_NAME = "Ambito territoriale Cremonese"
AMBITO_REGION = "Lombardia"
PROVINCE = "CR"

COMUNI: tuple[str, ...] = (
    "Acquanegra Cremonese",
    "Annicco",
    "Azzanello",
    "Bonemerse",
    "Bordolano",
    "Cappella Cantone",
    "Cappella de' Picenardi",
    "Casalbuttano ed Uniti",
    "Casalmorano",
    "Castelverde",
    "Castelvisconti",
    "Cella Dati",
    "Cicognolo",
    "Corte de' Cortesi con Cignone",
    "Corte de' Frati",
    "Cremona",
    "Crotta d'Adda",
    "Derovere",
    "Formigara",
    "Gabbioneta-Binanuova",
    "Gadesco-Pieve Delmona",
    "Genivolta",
    "Gerre de' Caprioli",
    "Grontardo",
    "Grumello Cremonese ed Uniti",
    "Isola Dovarese",
    "Malagnino",
    "Olmeneta",
    "Ostiano",
    "Paderno Ponchielli",
    "Persico Dosimo",
    "Pescarolo ed Uniti",
    "Pessina Cremonese",
    "Pieve d'Olmi",
    "Pieve San Giacomo",
    "Pizzighettone",
    "Pozzaglio ed Uniti",
    "Robecco d'Oglio",
    "San Bassano",
    "Scandolara Ripa d'Oglio",
    "Sesto ed Uniti",
    "Soresina",
    "Sospiro",
    "Spinadesco",
    "Stagno Lombardo",
    "Torre de' Picenardi",
    "Vescovato",
    "Volongo",
)

# The other two ambiti of the province: not loaded, only used to check the partition above.
CREMASCO: tuple[str, ...] = (
    "Agnadello", "Bagnolo Cremasco", "Camisano", "Campagnola Cremasca", "Capergnanica", "Capralba",
    "Casale Cremasco-Vidolasco", "Casaletto Ceredano", "Casaletto di Sopra", "Casaletto Vaprio",
    "Castel Gabbiano", "Castelleone", "Chieve", "Credera Rubbiano", "Crema", "Cremosano",
    "Cumignano sul Naviglio", "Dovera", "Fiesco", "Gombito", "Izano", "Madignano", "Monte Cremasco",
    "Montodine", "Moscazzano", "Offanengo", "Palazzo Pignano", "Pandino", "Pianengo", "Pieranica",
    "Quintano", "Ricengo", "Ripalta Arpina", "Ripalta Cremasca", "Ripalta Guerina", "Rivolta d'Adda",
    "Romanengo", "Salvirola", "Sergnano", "Soncino", "Spino d'Adda", "Ticengo", "Torlino Vimercati",
    "Trescore Cremasco", "Trigolo", "Vaiano Cremasco", "Vailate",
)  # fmt: skip
CASALASCO: tuple[str, ...] = (
    "Calvatone", "Casalmaggiore", "Casteldidone", "Cingia de' Botti", "Gussola", "Martignana di Po",
    "Motta Baluffi", "Piadena Drizzona", "Rivarolo del Re ed Uniti", "San Daniele Po",
    "San Giovanni in Croce", "San Martino del Lago", "Scandolara Ravara", "Solarolo Rainerio", "Spineda",
    "Tornata", "Torricella del Pizzo", "Voltido",
)  # fmt: skip
