//! Static catalog for `leitstand demo`: resolver groups, services, bilingual incident
//! templates, locations, names and comment snippets used to generate realistic demo data.

/// A resolver group and how many agents it has.
pub struct GroupDef {
    pub key: &'static str,        // lowercase a-z0-9 and '-', e.g. "service-desk"
    pub name: &'static str,       // display name, e.g. "Service Desk (1st level)"
    pub department: &'static str, // "IT", "HR", "Facilities" or "Finance"
    pub agents: usize,            // 4..=20
}

/// A business service and the group that owns it.
pub struct ServiceDef {
    pub key: &'static str, // lowercase a-z0-9 and '-'
    pub name: &'static str,
    pub owner: &'static str, // a GroupDef key
}

/// What a problem behind a kind of incident looks like (root cause and workaround).
pub struct ProblemDef {
    pub title_de: &'static str,
    pub title_en: &'static str,
    pub root_cause_de: &'static str,
    pub root_cause_en: &'static str,
    pub workaround_de: &'static str,
    pub workaround_en: &'static str,
    pub fix_de: &'static str,
    pub fix_en: &'static str,
}

/// One kind of incident. Texts may contain the placeholders `{location}` (a place such as
/// "Gebäude B, 3. OG" / "Building B, 3rd floor") and `{asset}` (an asset tag such as "NB-10472");
/// the generator replaces them.
pub struct Template {
    pub service: &'static str,                    // a ServiceDef key
    pub category: &'static str, // short English category, e.g. "Hardware", "Network", "Access", "Software", "Payroll", "Building"
    pub group: &'static str,    // the GroupDef key that finally resolves it
    pub weight: u32, // relative frequency, 1..=100 (password resets and printers common, SAP outages rare)
    pub impact: u8,  // typical impact: 1 high, 2 medium, 3 low
    pub titles_de: &'static [&'static str], // 3-5 variants, each <= 120 chars
    pub titles_en: &'static [&'static str], // 3-5 variants
    pub descriptions_de: &'static [&'static str], // 2-3 variants, 1-3 sentences each, as a caller writes them
    pub descriptions_en: &'static [&'static str], // 2-3 variants
    pub resolutions_de: &'static [&'static str],  // 2-3 resolution notes an agent writes
    pub resolutions_en: &'static [&'static str],  // 2-3
    pub problem: Option<ProblemDef>,              // about half of the templates have one
}

pub static GROUPS: &[GroupDef] = &[
    GroupDef {
        key: "service-desk",
        name: "Service Desk (1st level)",
        department: "IT",
        agents: 20,
    },
    GroupDef {
        key: "workplace",
        name: "Workplace Services",
        department: "IT",
        agents: 12,
    },
    GroupDef {
        key: "network",
        name: "Network Operations",
        department: "IT",
        agents: 8,
    },
    GroupDef {
        key: "identity",
        name: "Identity & Access Management",
        department: "IT",
        agents: 6,
    },
    GroupDef {
        key: "sap-basis",
        name: "SAP Basis & Operations",
        department: "IT",
        agents: 5,
    },
    GroupDef {
        key: "infrastructure",
        name: "Infrastructure (Servers, Storage, Mail)",
        department: "IT",
        agents: 9,
    },
    GroupDef {
        key: "applications",
        name: "Application Support",
        department: "IT",
        agents: 8,
    },
    GroupDef {
        key: "telephony",
        name: "Telephony & Mobile",
        department: "IT",
        agents: 4,
    },
    GroupDef {
        key: "hr-services",
        name: "HR Services",
        department: "HR",
        agents: 8,
    },
    GroupDef {
        key: "payroll",
        name: "Payroll",
        department: "HR",
        agents: 5,
    },
    GroupDef {
        key: "facility-management",
        name: "Facility Management",
        department: "Facilities",
        agents: 10,
    },
    GroupDef {
        key: "building-services",
        name: "Building Services",
        department: "Facilities",
        agents: 7,
    },
    GroupDef {
        key: "finance-systems",
        name: "Finance Systems",
        department: "Finance",
        agents: 4,
    },
];

pub static SERVICES: &[ServiceDef] = &[
    ServiceDef {
        key: "email-calendar",
        name: "E-Mail & Calendar",
        owner: "infrastructure",
    },
    ServiceDef {
        key: "vpn-remote-access",
        name: "VPN / Remote Access",
        owner: "network",
    },
    ServiceDef {
        key: "network-wifi",
        name: "Network & Wi-Fi",
        owner: "network",
    },
    ServiceDef {
        key: "printing",
        name: "Printing & Scanning",
        owner: "workplace",
    },
    ServiceDef {
        key: "workplace-laptops",
        name: "Workplace & Laptops",
        owner: "workplace",
    },
    ServiceDef {
        key: "accounts-passwords",
        name: "Accounts & Passwords",
        owner: "identity",
    },
    ServiceDef {
        key: "sap-erp",
        name: "SAP ERP",
        owner: "sap-basis",
    },
    ServiceDef {
        key: "telephony-mobile",
        name: "Telephony & Mobile",
        owner: "telephony",
    },
    ServiceDef {
        key: "collaboration",
        name: "Collaboration (Teams/SharePoint)",
        owner: "applications",
    },
    ServiceDef {
        key: "file-shares",
        name: "File Shares",
        owner: "infrastructure",
    },
    ServiceDef {
        key: "hr-portal",
        name: "HR Portal",
        owner: "hr-services",
    },
    ServiceDef {
        key: "payroll",
        name: "Payroll",
        owner: "payroll",
    },
    ServiceDef {
        key: "access-cards",
        name: "Building & Access Cards",
        owner: "building-services",
    },
    ServiceDef {
        key: "heating-cooling",
        name: "Heating & Air Conditioning",
        owner: "building-services",
    },
    ServiceDef {
        key: "cleaning-rooms",
        name: "Cleaning & Rooms",
        owner: "facility-management",
    },
    ServiceDef {
        key: "building-maintenance",
        name: "Building Maintenance",
        owner: "facility-management",
    },
    ServiceDef {
        key: "travel-expenses",
        name: "Travel & Expenses",
        owner: "finance-systems",
    },
];

pub static TEMPLATES: &[Template] = &[
    // ----------------------------------------------------------------- Printing
    Template {
        service: "printing",
        category: "Hardware",
        group: "workplace",
        weight: 60,
        impact: 3,
        titles_de: &[
            "Drucker im {location} druckt nicht",
            "Druckaufträge bleiben in der Warteschlange hängen",
            "Drucker {asset} reagiert nicht, Aufträge kommen nicht an",
            "Kann seit heute Morgen nicht mehr drucken",
        ],
        titles_en: &[
            "Printer in {location} not printing",
            "Print jobs stuck in the queue",
            "Printer {asset} not responding, jobs never arrive",
            "Unable to print since this morning",
        ],
        descriptions_de: &[
            "Ich schicke Dokumente an den Drucker im {location}, aber es kommt nichts raus. \
             In der Warteschlange steht nur „Fehler – wird gedruckt“.",
            "Der Etagendrucker {asset} druckt seit heute früh gar nichts mehr. Die Kollegen haben \
             dasselbe Problem, das Display zeigt aber keinen Fehler.",
            "Seit dem Neustart gestern kann ich nicht mehr drucken. Andere Programme funktionieren \
             normal, nur beim Drucken passiert nichts.",
        ],
        descriptions_en: &[
            "I send documents to the printer in {location} but nothing comes out. The queue only \
             says \"Error – printing\".",
            "The floor printer {asset} hasn't printed anything since early this morning. My \
             colleagues have the same issue, but the display shows no error.",
            "Since yesterday's restart I can't print anymore. Everything else works, only printing \
             does nothing.",
        ],
        resolutions_de: &[
            "Druckwarteschlange auf dem Printserver geleert und Spooler-Dienst neu gestartet. \
             Testdruck erfolgreich.",
            "Drucker war nach Stromausfall mit falscher IP-Adresse hochgekommen. \
             DHCP-Reservierung geprüft, Drucker neu gestartet, druckt wieder.",
            "Druckertreiber auf dem Client entfernt und neu installiert, Drucker neu verbunden. \
             Anwender bestätigt Ausdruck.",
        ],
        resolutions_en: &[
            "Cleared the print queue on the print server and restarted the spooler service. Test \
             page printed successfully.",
            "Printer came back with a wrong IP address after a power cut. Checked the DHCP \
             reservation, restarted the printer, printing works again.",
            "Removed and reinstalled the printer driver on the client and re-added the printer. \
             User confirmed the printout.",
        ],
        problem: Some(ProblemDef {
            title_de: "Druckspooler auf dem Printserver hängt bei großen PDF-Aufträgen",
            title_en: "Print spooler on the print server hangs on large PDF jobs",
            root_cause_de: "Ein fehlerhafter Treiber für das Modell der Etagendrucker lässt den \
                            Spooler-Dienst bei PDF-Dateien über 50 MB hängen. Danach werden keine \
                            Aufträge mehr verarbeitet.",
            root_cause_en: "A faulty driver for the floor printer model makes the spooler service \
                            hang on PDF files larger than 50 MB. Afterwards no jobs are processed.",
            workaround_de: "Spooler-Dienst auf dem Printserver neu starten und den betroffenen \
                            Auftrag löschen. Große PDFs vorerst direkt am Gerät per USB-Stick \
                            drucken.",
            workaround_en: "Restart the spooler service on the print server and delete the \
                            affected job. Print large PDFs directly at the device via USB stick \
                            for now.",
            fix_de: "Aktualisierten Treiber des Herstellers getestet und per Change auf allen \
                     Printservern ausgerollt.",
            fix_en: "Tested the manufacturer's updated driver and rolled it out to all print \
                     servers via change.",
        }),
    },
    Template {
        service: "printing",
        category: "Hardware",
        group: "workplace",
        weight: 45,
        impact: 3,
        titles_de: &[
            "Papierstau im Drucker {asset}",
            "Drucker im {location} meldet ständig Papierstau",
            "Papierstau in Fach 2 – lässt sich nicht beheben",
            "Drucker zieht Papier schief ein und zerknittert es",
        ],
        titles_en: &[
            "Paper jam in printer {asset}",
            "Printer in {location} keeps reporting a paper jam",
            "Paper jam in tray 2 – can't clear it",
            "Printer feeds paper at an angle and crumples it",
        ],
        descriptions_de: &[
            "Der Drucker im {location} meldet Papierstau, aber ich finde kein Papier mehr im \
             Gerät. Die Meldung geht auch nach Aus- und Einschalten nicht weg.",
            "Bei fast jedem zweiten Ausdruck gibt es einen Papierstau in Fach 2. Wir haben schon \
             neues Papier eingelegt, hat aber nichts gebracht.",
        ],
        descriptions_en: &[
            "The printer in {location} says paper jam, but I can't find any paper left inside. \
             The message doesn't go away even after switching it off and on.",
            "Almost every second printout jams in tray 2. We already put in new paper, but it \
             didn't help.",
        ],
        resolutions_de: &[
            "Abgerissenes Papierstück an der Fixiereinheit entfernt und Sensor gereinigt. Drucker \
             läuft wieder ohne Fehlermeldung.",
            "Einzugsrollen in Fach 2 waren verschlissen. Rollen getauscht, 50 Testseiten ohne \
             Stau gedruckt.",
        ],
        resolutions_en: &[
            "Removed a torn piece of paper near the fuser unit and cleaned the sensor. Printer \
             runs again without errors.",
            "Feed rollers in tray 2 were worn. Replaced the rollers and printed 50 test pages \
             without a jam.",
        ],
        problem: None,
    },
    Template {
        service: "printing",
        category: "Hardware",
        group: "service-desk",
        weight: 40,
        impact: 3,
        titles_de: &[
            "Toner leer im Drucker {asset}",
            "Neue Tonerkartusche für Drucker im {location} benötigt",
            "Ausdrucke sind blass und streifig",
            "Drucker meldet „Toner niedrig“ – bitte Ersatz schicken",
        ],
        titles_en: &[
            "Toner empty in printer {asset}",
            "Need a new toner cartridge for the printer in {location}",
            "Printouts are faint and streaky",
            "Printer says \"toner low\" – please send a replacement",
        ],
        descriptions_de: &[
            "Der Drucker {asset} zeigt an, dass der schwarze Toner leer ist. Im Schrank ist leider \
             keine Ersatzkartusche mehr.",
            "Seit gestern sind alle Ausdrucke sehr blass und haben Streifen. Wahrscheinlich ist \
             der Toner fast leer.",
        ],
        descriptions_en: &[
            "Printer {asset} shows that the black toner is empty. Unfortunately there is no spare \
             cartridge left in the cabinet.",
            "Since yesterday all printouts are very faint and streaky. The toner is probably \
             almost empty.",
        ],
        resolutions_de: &[
            "Tonerkartusche aus dem Lager angefordert, der Hausdienst hat sie vor Ort eingesetzt. \
             Druckbild wieder in Ordnung.",
            "Toner getauscht und Trommel gereinigt. Zwei Ersatzkartuschen für die Etage \
             hinterlegt.",
        ],
        resolutions_en: &[
            "Requested a toner cartridge from stock; facility staff installed it on site. Print \
             quality is fine again.",
            "Replaced the toner and cleaned the drum. Left two spare cartridges for the floor.",
        ],
        problem: None,
    },
    Template {
        service: "printing",
        category: "Software",
        group: "workplace",
        weight: 15,
        impact: 3,
        titles_de: &[
            "Scan to E-Mail funktioniert nicht mehr",
            "Gescannte Dokumente kommen nicht im Postfach an",
            "Multifunktionsgerät {asset}: Scannen an E-Mail schlägt fehl",
        ],
        titles_en: &[
            "Scan to e-mail no longer works",
            "Scanned documents never arrive in my mailbox",
            "Multifunction device {asset}: scan to e-mail fails",
        ],
        descriptions_de: &[
            "Wenn ich am Kopierer im {location} etwas an meine E-Mail-Adresse scanne, kommt nichts \
             an. Am Gerät steht „Senden fehlgeschlagen“.",
            "Seit Montag kommen keine Scans mehr per E-Mail. Scannen auf den USB-Stick geht noch.",
        ],
        descriptions_en: &[
            "When I scan something to my e-mail address at the copier in {location}, nothing \
             arrives. The device shows \"Send failed\".",
            "Since Monday no scans are coming through by e-mail. Scanning to a USB stick still \
             works.",
        ],
        resolutions_de: &[
            "SMTP-Einstellungen am Gerät angepasst (neuer Relay-Server, Port 587 mit TLS). \
             Testscan kam an.",
            "Zertifikat des Mail-Relays auf dem Multifunktionsgerät aktualisiert. Scan to E-Mail \
             funktioniert wieder.",
        ],
        resolutions_en: &[
            "Updated the SMTP settings on the device (new relay server, port 587 with TLS). Test \
             scan arrived.",
            "Updated the mail relay certificate on the multifunction device. Scan to e-mail works \
             again.",
        ],
        problem: Some(ProblemDef {
            title_de: "Multifunktionsgeräte können nach Zertifikatswechsel keine E-Mails versenden",
            title_en: "Multifunction devices cannot send e-mail after certificate renewal",
            root_cause_de: "Das TLS-Zertifikat des internen Mail-Relays wurde erneuert. Die \
                            Multifunktionsgeräte kennen die neue Zwischenzertifizierungsstelle \
                            nicht und brechen die Verbindung ab.",
            root_cause_en: "The TLS certificate of the internal mail relay was renewed. The \
                            multifunction devices do not know the new intermediate CA and drop \
                            the connection.",
            workaround_de: "Scans im persönlichen Scan-Ordner auf dem Fileshare ablegen oder auf \
                            einem USB-Stick speichern.",
            workaround_en: "Save scans to the personal scan folder on the file share or to a USB \
                            stick.",
            fix_de: "Zwischenzertifikat über die Geräteverwaltung auf alle Multifunktionsgeräte \
                     verteilt.",
            fix_en: "Distributed the intermediate certificate to all multifunction devices via \
                     the device management console.",
        }),
    },
    // ------------------------------------------------------------------- VPN
    Template {
        service: "vpn-remote-access",
        category: "Network",
        group: "network",
        weight: 35,
        impact: 2,
        titles_de: &[
            "VPN-Verbindung bricht alle paar Minuten ab",
            "VPN trennt sich ständig im Homeoffice",
            "VPN-Client verliert regelmäßig die Verbindung",
            "Ständige VPN-Abbrüche während Videokonferenzen",
        ],
        titles_en: &[
            "VPN connection drops every few minutes",
            "VPN keeps disconnecting when working from home",
            "VPN client regularly loses the connection",
            "Constant VPN drops during video calls",
        ],
        descriptions_de: &[
            "Ich arbeite heute im Homeoffice und das VPN bricht alle fünf bis zehn Minuten ab. \
             Danach muss ich mich jedes Mal neu anmelden.",
            "Seit dem letzten Update trennt sich der VPN-Client ständig. Mein Internet zu Hause \
             läuft stabil, andere Seiten laden ohne Probleme.",
            "Während Teams-Besprechungen fliegt mein Laptop {asset} immer wieder aus dem VPN. Das \
             ist sehr störend, weil ich oft präsentieren muss.",
        ],
        descriptions_en: &[
            "I'm working from home today and the VPN drops every five to ten minutes. Each time I \
             have to log in again.",
            "Since the last update the VPN client keeps disconnecting. My home internet is \
             stable, other websites load fine.",
            "During Teams meetings my laptop {asset} keeps getting kicked out of the VPN. It's \
             very disruptive because I often have to present.",
        ],
        resolutions_de: &[
            "VPN-Client auf die aktuelle Version aktualisiert und Energiesparmodus des \
             WLAN-Adapters deaktiviert. Verbindung seit zwei Tagen stabil.",
            "Anwender war auf einem überlasteten VPN-Gateway. Profil auf das zweite Gateway \
             umgestellt, keine Abbrüche mehr.",
        ],
        resolutions_en: &[
            "Updated the VPN client to the current version and disabled power saving on the \
             Wi-Fi adapter. Connection stable for two days.",
            "User was on an overloaded VPN gateway. Switched the profile to the second gateway, \
             no more drops.",
        ],
        problem: Some(ProblemDef {
            title_de: "VPN-Abbrüche durch zu kurzes Timeout auf dem VPN-Gateway",
            title_en: "VPN drops caused by a too-short timeout on the VPN gateway",
            root_cause_de: "Nach dem Firmware-Update des VPN-Gateways wurde das \
                            Dead-Peer-Detection-Timeout auf 30 Sekunden zurückgesetzt. Schon \
                            kurze Paketverluste im Heimnetz bauen den Tunnel sofort ab.",
            root_cause_en: "After the VPN gateway firmware update, the dead peer detection \
                            timeout was reset to 30 seconds. Even short packet loss on home \
                            networks tears down the tunnel immediately.",
            workaround_de: "Per LAN-Kabel statt WLAN verbinden. Nach einem Abbruch den VPN-Client \
                            neu verbinden, die meisten Anwendungen behalten ihre Sitzung.",
            workaround_en: "Connect via LAN cable instead of Wi-Fi. After a drop, reconnect the \
                            VPN client – most applications keep their session.",
            fix_de: "Timeout im Wartungsfenster wieder auf 120 Sekunden gesetzt und in die \
                     Standardkonfiguration übernommen.",
            fix_en: "Set the timeout back to 120 seconds in a maintenance window and added it to \
                     the baseline configuration.",
        }),
    },
    Template {
        service: "vpn-remote-access",
        category: "Network",
        group: "service-desk",
        weight: 30,
        impact: 2,
        titles_de: &[
            "VPN-Verbindung nicht möglich – Anmeldung schlägt fehl",
            "Kann mich nicht mit dem VPN verbinden",
            "VPN-Client meldet „Zertifikat ungültig“",
            "Kein Zugriff von unterwegs, VPN verbindet nicht",
        ],
        titles_en: &[
            "Cannot connect to VPN – login fails",
            "Unable to connect to the VPN",
            "VPN client says \"certificate invalid\"",
            "No access while travelling, VPN won't connect",
        ],
        descriptions_de: &[
            "Ich bin heute im Homeoffice und komme nicht ins VPN. Nach Eingabe des Passworts kommt \
             nur „Authentifizierung fehlgeschlagen“.",
            "Der VPN-Client auf meinem Laptop {asset} meldet, dass das Zertifikat ungültig ist. \
             Letzte Woche ging noch alles.",
            "Ich bin auf Dienstreise im Hotel und das VPN verbindet nicht. Es dreht sich nur der \
             Kreis, dann kommt ein Timeout.",
        ],
        descriptions_en: &[
            "I'm working from home today and can't get onto the VPN. After entering my password \
             it only says \"Authentication failed\".",
            "The VPN client on my laptop {asset} says the certificate is invalid. Everything \
             worked last week.",
            "I'm on a business trip at a hotel and the VPN won't connect. The spinner just keeps \
             turning and then it times out.",
        ],
        resolutions_de: &[
            "Passwort war abgelaufen. Anwender hat es über das Self-Service-Portal geändert, \
             VPN-Anmeldung funktioniert wieder.",
            "Gerätezertifikat war abgelaufen. Laptop kurz im Firmennetz angemeldet, das \
             Zertifikat wurde automatisch erneuert.",
            "Hotel-WLAN blockiert den VPN-Port. Anwender auf den Fallback-Modus über HTTPS \
             umgestellt, Verbindung klappt.",
        ],
        resolutions_en: &[
            "Password had expired. User changed it via the self-service portal, VPN login works \
             again.",
            "Device certificate had expired. User connected the laptop to the office network \
             briefly and the certificate renewed automatically.",
            "Hotel Wi-Fi blocks the VPN port. Switched the user to the HTTPS fallback mode, the \
             connection works.",
        ],
        problem: None,
    },
    // -------------------------------------------------------- Accounts & access
    Template {
        service: "accounts-passwords",
        category: "Access",
        group: "service-desk",
        weight: 100,
        impact: 3,
        titles_de: &[
            "Passwort vergessen",
            "Passwort zurücksetzen – kann mich nicht mehr anmelden",
            "Nach dem Urlaub Passwort vergessen",
            "Bitte Passwort zurücksetzen, Self-Service funktioniert nicht",
        ],
        titles_en: &[
            "Forgot my password",
            "Password reset needed – can't log in anymore",
            "Forgot password after holiday",
            "Please reset my password, self-service doesn't work",
        ],
        descriptions_de: &[
            "Ich war drei Wochen im Urlaub und habe mein Passwort vergessen. Kann mir bitte jemand \
             ein neues geben?",
            "Ich habe mein Passwort gestern geändert und weiß es jetzt nicht mehr. Das \
             Self-Service-Portal will einen Code an mein altes Handy schicken.",
        ],
        descriptions_en: &[
            "I was on holiday for three weeks and forgot my password. Could someone please give \
             me a new one?",
            "I changed my password yesterday and can't remember it now. The self-service portal \
             wants to send a code to my old phone.",
        ],
        resolutions_de: &[
            "Identität per Rückruf und Personalnummer geprüft, Initialpasswort vergeben. Anwender \
             hat sich erfolgreich angemeldet und das Passwort geändert.",
            "Passwort zurückgesetzt und Änderung bei der nächsten Anmeldung erzwungen. \
             Telefonnummer für den Self-Service aktualisiert.",
        ],
        resolutions_en: &[
            "Verified identity by callback and personnel number, issued an initial password. User \
             logged in successfully and changed it.",
            "Reset the password and forced a change at next login. Updated the phone number for \
             self-service.",
        ],
        problem: None,
    },
    Template {
        service: "accounts-passwords",
        category: "Access",
        group: "service-desk",
        weight: 70,
        impact: 2,
        titles_de: &[
            "Benutzerkonto gesperrt",
            "Konto wird ständig gesperrt",
            "Account gesperrt, obwohl Passwort korrekt",
            "Kann mich nicht anmelden – „Konto gesperrt“",
        ],
        titles_en: &[
            "User account locked",
            "Account keeps getting locked",
            "Account locked although password is correct",
            "Cannot log in – \"account locked\"",
        ],
        descriptions_de: &[
            "Mein Konto wird seit heute Morgen immer wieder gesperrt, obwohl ich sicher das \
             richtige Passwort eingebe. Ich habe es gestern geändert.",
            "Beim Anmelden am Laptop kommt die Meldung, dass mein Konto gesperrt ist. Ich habe \
             mich nur einmal vertippt.",
        ],
        descriptions_en: &[
            "My account has been locking repeatedly since this morning even though I'm sure I'm \
             entering the right password. I changed it yesterday.",
            "When logging in on my laptop I get a message that my account is locked. I only \
             mistyped once.",
        ],
        resolutions_de: &[
            "Konto entsperrt. Ursache war das alte Passwort im Mailkonto auf dem Diensthandy, \
             Anwender hat es dort aktualisiert.",
            "Sperrquelle im Log gefunden: gespeicherte Anmeldedaten in der Windows-\
             Anmeldeinformationsverwaltung. Einträge gelöscht, Konto entsperrt.",
        ],
        resolutions_en: &[
            "Unlocked the account. The cause was the old password stored in the mail account on \
             the company phone; the user updated it there.",
            "Found the lockout source in the logs: stored credentials in Windows Credential \
             Manager. Deleted the entries and unlocked the account.",
        ],
        problem: Some(ProblemDef {
            title_de: "Kontosperrungen nach Passwortänderung durch Mobilgeräte mit altem Passwort",
            title_en: "Account lockouts after password change caused by mobile devices using the \
                       old password",
            root_cause_de: "Mobilgeräte synchronisieren E-Mails weiterhin mit dem alten Passwort. \
                            Nach wenigen Fehlversuchen greift die Sperrrichtlinie und das Konto \
                            wird gesperrt.",
            root_cause_en: "Mobile devices keep syncing mail with the old password. After a few \
                            failed attempts the lockout policy kicks in and locks the account.",
            workaround_de: "Nach jeder Passwortänderung das Passwort sofort auf allen Mobilgeräten \
                            aktualisieren oder das Mailkonto dort kurz deaktivieren.",
            workaround_en: "Update the password on all mobile devices right after every password \
                            change, or briefly disable the mail account there.",
            fix_de: "Mobile Mailkonten auf moderne, tokenbasierte Authentifizierung umgestellt, \
                     sodass Passwortänderungen keine Sperren mehr auslösen.",
            fix_en: "Switched mobile mail accounts to modern token-based authentication so \
                     password changes no longer trigger lockouts.",
        }),
    },
    Template {
        service: "accounts-passwords",
        category: "Access",
        group: "identity",
        weight: 30,
        impact: 3,
        titles_de: &[
            "Neuer Mitarbeiter benötigt Zugänge ab dem 1. des Monats",
            "Berechtigungen für neue Kollegin einrichten",
            "Onboarding: Konto, E-Mail und Laufwerke für neuen Mitarbeiter",
            "Zugang für neue Werkstudentin anlegen",
        ],
        titles_en: &[
            "New employee needs access from the 1st of the month",
            "Set up permissions for new colleague",
            "Onboarding: account, e-mail and drives for new employee",
            "Create access for new working student",
        ],
        descriptions_de: &[
            "Am Montag fängt bei uns ein neuer Kollege im Einkauf an. Er braucht ein Konto, \
             E-Mail, Zugriff auf das Abteilungslaufwerk und SAP wie seine Vorgängerin.",
            "Unsere neue Werkstudentin startet nächste Woche. Bitte die gleichen Berechtigungen \
             wie bei Frau Schneider einrichten, die Kostenstelle steht im Anhang.",
        ],
        descriptions_en: &[
            "A new colleague starts in purchasing on Monday. He needs an account, e-mail, access \
             to the department drive and SAP like his predecessor.",
            "Our new working student starts next week. Please set up the same permissions as Ms \
             Schneider; the cost centre is attached.",
        ],
        resolutions_de: &[
            "Konto angelegt, Postfach und Gruppenmitgliedschaften nach Referenzbenutzer vergeben. \
             Zugangsdaten an die Führungskraft übergeben.",
            "Berechtigungen laut Antrag eingerichtet, SAP-Rollen nach Freigabe durch den \
             Kostenstellenverantwortlichen zugewiesen.",
        ],
        resolutions_en: &[
            "Created the account and assigned mailbox and group memberships based on the \
             reference user. Handed the credentials to the line manager.",
            "Set up permissions as requested; SAP roles assigned after approval by the cost \
             centre owner.",
        ],
        problem: None,
    },
    Template {
        service: "accounts-passwords",
        category: "Access",
        group: "identity",
        weight: 25,
        impact: 2,
        titles_de: &[
            "Neues Handy – Authenticator-App muss neu eingerichtet werden",
            "Keine MFA-Anfrage mehr auf dem Smartphone",
            "Zwei-Faktor-Anmeldung nicht möglich, Handy verloren",
        ],
        titles_en: &[
            "New phone – authenticator app needs to be set up again",
            "No more MFA prompts on my smartphone",
            "Cannot complete two-factor login, phone lost",
        ],
        descriptions_de: &[
            "Ich habe ein neues iPhone bekommen und die Authenticator-App ist leer. Jetzt komme \
             ich weder in Outlook noch ins VPN.",
            "Bei der Anmeldung wartet das System auf die Bestätigung in der App, aber auf meinem \
             Handy kommt keine Benachrichtigung an.",
        ],
        descriptions_en: &[
            "I got a new iPhone and the authenticator app is empty. Now I can't get into Outlook \
             or the VPN.",
            "At login the system waits for confirmation in the app, but no notification arrives \
             on my phone.",
        ],
        resolutions_de: &[
            "Identität geprüft und alte MFA-Methoden zurückgesetzt. Anwender hat die App auf dem \
             neuen Gerät registriert.",
            "Temporären Zugangscode für 24 Stunden ausgestellt und die Registrierung des \
             Ersatzgeräts gemeinsam am Telefon durchgeführt.",
        ],
        resolutions_en: &[
            "Verified identity and reset the old MFA methods. User registered the app on the new \
             device.",
            "Issued a temporary access code valid for 24 hours and walked the user through \
             registering the replacement device by phone.",
        ],
        problem: None,
    },
    // ---------------------------------------------------------- E-mail
    Template {
        service: "email-calendar",
        category: "Software",
        group: "infrastructure",
        weight: 35,
        impact: 2,
        titles_de: &[
            "Outlook synchronisiert nicht mehr",
            "Neue E-Mails erscheinen nicht in Outlook",
            "Outlook hängt bei „Wird aktualisiert …“",
            "Kalender in Outlook und am Handy unterschiedlich",
        ],
        titles_en: &[
            "Outlook no longer syncing",
            "New e-mails don't show up in Outlook",
            "Outlook stuck on \"Updating…\"",
            "Calendar differs between Outlook and my phone",
        ],
        descriptions_de: &[
            "In Outlook kommen seit gestern Nachmittag keine neuen Mails mehr an, im Browser sehe \
             ich sie aber. Unten rechts steht „Verbunden“.",
            "Termine, die ich am Handy anlege, tauchen in Outlook nicht auf. Ein Neustart von \
             Outlook hat nicht geholfen.",
        ],
        descriptions_en: &[
            "Since yesterday afternoon no new mail arrives in Outlook, but I can see it in the \
             browser. The status bar says \"Connected\".",
            "Appointments I create on my phone don't show up in Outlook. Restarting Outlook \
             didn't help.",
        ],
        resolutions_de: &[
            "Lokale OST-Datei war beschädigt. Outlook-Profil neu angelegt, Postfach vollständig \
             synchronisiert.",
            "Cache-Modus auf 12 Monate reduziert und Profil neu aufgebaut. Die Synchronisation \
             läuft wieder.",
        ],
        resolutions_en: &[
            "Local OST file was corrupted. Recreated the Outlook profile; mailbox fully \
             synchronised.",
            "Reduced cached mode to 12 months and rebuilt the profile. Sync works again.",
        ],
        problem: Some(ProblemDef {
            title_de: "Outlook-Synchronisation hängt bei Postfächern mit sehr großen Ordnern",
            title_en: "Outlook sync stalls for mailboxes with very large folders",
            root_cause_de: "Ordner mit mehr als 100.000 Elementen überschreiten die Grenze des \
                            Cache-Modus. Die Synchronisation bricht ab und die OST-Datei wird \
                            inkonsistent.",
            root_cause_en: "Folders with more than 100,000 items exceed the cached mode limit. \
                            Sync aborts and the OST file becomes inconsistent.",
            workaround_de: "Outlook im Web verwenden oder das Outlook-Profil neu anlegen. Große \
                            Ordner in Unterordner aufteilen.",
            workaround_en: "Use Outlook on the web or recreate the Outlook profile. Split large \
                            folders into subfolders.",
            fix_de: "Archivierungsrichtlinie eingeführt, die Elemente älter als zwei Jahre \
                     automatisch ins Online-Archiv verschiebt.",
            fix_en: "Introduced a retention policy that automatically moves items older than two \
                     years to the online archive.",
        }),
    },
    Template {
        service: "email-calendar",
        category: "Software",
        group: "service-desk",
        weight: 30,
        impact: 3,
        titles_de: &[
            "Postfach voll – kann keine E-Mails mehr senden",
            "Meldung „Ihr Postfach hat die Größenbeschränkung erreicht“",
            "Bitte Postfach vergrößern",
        ],
        titles_en: &[
            "Mailbox full – can't send e-mails anymore",
            "Message \"Your mailbox has reached its size limit\"",
            "Please increase my mailbox size",
        ],
        descriptions_de: &[
            "Outlook meldet, dass mein Postfach voll ist, und ich kann nichts mehr verschicken. \
             Die alten Mails brauche ich aber noch für Projekte.",
            "Ich bekomme seit heute täglich eine Warnung wegen der Postfachgröße. Wie kann ich \
             Platz schaffen, ohne etwas zu verlieren?",
        ],
        descriptions_en: &[
            "Outlook says my mailbox is full and I can't send anything. But I still need the old \
             e-mails for projects.",
            "Since today I've been getting a daily warning about my mailbox size. How can I free \
             up space without losing anything?",
        ],
        resolutions_de: &[
            "Online-Archiv aktiviert und Archivierungsrichtlinie zugewiesen. Anwender gezeigt, wie \
             große Anhänge gesucht und gelöscht werden.",
            "Gelöschte Elemente und den Ordner „Synchronisierungsprobleme“ geleert, dadurch 3 GB \
             frei. Senden funktioniert wieder.",
        ],
        resolutions_en: &[
            "Enabled the online archive and assigned the retention policy. Showed the user how to \
             find and delete large attachments.",
            "Emptied Deleted Items and the Sync Issues folder, freeing 3 GB. Sending works again.",
        ],
        problem: None,
    },
    Template {
        service: "email-calendar",
        category: "Software",
        group: "infrastructure",
        weight: 5,
        impact: 1,
        titles_de: &[
            "E-Mails kommen stark verzögert an",
            "Externe E-Mails erreichen uns erst nach Stunden",
            "Mails an Kunden werden nicht zugestellt",
        ],
        titles_en: &[
            "E-mails arriving with a long delay",
            "External e-mails only reach us after hours",
            "Outgoing e-mails to customers are not delivered",
        ],
        descriptions_de: &[
            "Ein Kunde hat mir heute um 9 Uhr eine Mail geschickt, die erst um 13 Uhr bei mir \
             angekommen ist. Bei den Kollegen ist es genauso.",
            "Unsere Angebote an externe Empfänger kommen nicht an. Nach einer Weile bekommen wir \
             eine Unzustellbarkeitsnachricht mit „451 temporary failure“.",
        ],
        descriptions_en: &[
            "A customer sent me an e-mail at 9 am today that only arrived at 1 pm. My colleagues \
             see the same.",
            "Our quotes to external recipients are not arriving. After a while we get a \
             non-delivery report saying \"451 temporary failure\".",
        ],
        resolutions_de: &[
            "Warteschlange auf dem Mail-Gateway war durch eine Spam-Welle überlastet. Filterregel \
             angepasst, der Rückstau war innerhalb einer Stunde abgearbeitet.",
            "Ausgehendes Relay stand auf einer Blockliste. Delisting beantragt und ausgehende \
             Mails über das zweite Relay geleitet.",
        ],
        resolutions_en: &[
            "The queue on the mail gateway was overloaded by a spam wave. Adjusted the filter \
             rule; the backlog cleared within an hour.",
            "The outbound relay was on a blocklist. Requested delisting and routed outgoing mail \
             through the second relay.",
        ],
        problem: Some(ProblemDef {
            title_de: "Mail-Gateway bei Spam-Wellen überlastet",
            title_en: "Mail gateway overloaded during spam waves",
            root_cause_de: "Das Mail-Gateway prüft alle Anhänge nacheinander in einer einzigen \
                            Scan-Instanz. Bei hohem Spam-Aufkommen staut sich die \
                            Eingangswarteschlange über Stunden.",
            root_cause_en: "The mail gateway scans all attachments sequentially in a single scan \
                            instance. During heavy spam traffic the inbound queue backs up for \
                            hours.",
            workaround_de: "Verbindungsrate für auffällige Absender-IPs manuell begrenzen und die \
                            Warteschlange überwachen.",
            workaround_en: "Manually rate-limit suspicious sender IPs and monitor the queue.",
            fix_de: "Zweite Scan-Instanz in Betrieb genommen und Reputationsfilter vor die \
                     Anhangprüfung geschaltet.",
            fix_en: "Put a second scan instance into service and placed reputation filtering \
                     before the attachment scan.",
        }),
    },
    // ------------------------------------------------------ Workplace & laptops
    Template {
        service: "workplace-laptops",
        category: "Hardware",
        group: "workplace",
        weight: 25,
        impact: 2,
        titles_de: &[
            "Laptop {asset} startet nicht mehr",
            "Notebook fährt nicht hoch, Bildschirm bleibt schwarz",
            "Laptop fragt beim Start nach BitLocker-Wiederherstellungsschlüssel",
            "Rechner bleibt beim Hochfahren beim Logo hängen",
        ],
        titles_en: &[
            "Laptop {asset} won't start",
            "Notebook doesn't boot, screen stays black",
            "Laptop asks for BitLocker recovery key at startup",
            "Computer stuck on the logo while booting",
        ],
        descriptions_de: &[
            "Mein Laptop {asset} geht nicht mehr an. Die Ladeleuchte brennt, aber der Bildschirm \
             bleibt schwarz.",
            "Nach dem Update gestern Abend will mein Notebook beim Start einen \
             Wiederherstellungsschlüssel haben. Den habe ich nicht.",
            "Der Rechner bleibt seit heute Morgen beim Hochfahren am Herstellerlogo stehen. Ich \
             habe um 14 Uhr eine wichtige Präsentation.",
        ],
        descriptions_en: &[
            "My laptop {asset} won't turn on anymore. The charging light is on but the screen \
             stays black.",
            "After last night's update my notebook wants a recovery key at startup. I don't have \
             one.",
            "Since this morning the computer stops at the manufacturer logo while booting. I have \
             an important presentation at 2 pm.",
        ],
        resolutions_de: &[
            "BitLocker-Wiederherstellungsschlüssel aus dem Verzeichnis ausgelesen und telefonisch \
             durchgegeben. Gerät startet wieder normal.",
            "Mainboard defekt. Ersatzgerät ausgegeben, Daten aus OneDrive wiederhergestellt, \
             Altgerät zur Reparatur eingeschickt.",
            "Hard Reset über die Akku-Reset-Taste durchgeführt, danach startete das Gerät. BIOS \
             auf den aktuellen Stand gebracht.",
        ],
        resolutions_en: &[
            "Retrieved the BitLocker recovery key from the directory and read it out to the user \
             by phone. Device boots normally again.",
            "Mainboard faulty. Issued a replacement device, restored data from OneDrive and sent \
             the old device for repair.",
            "Performed a hard reset using the battery reset button, after which the device \
             started. Updated the BIOS to the current version.",
        ],
        problem: Some(ProblemDef {
            title_de: "BitLocker-Wiederherstellung nach BIOS-Update auf einer Notebook-Modellreihe",
            title_en: "BitLocker recovery after BIOS update on a notebook model range",
            root_cause_de: "Das verteilte BIOS-Update ändert die TPM-Messwerte, ohne dass \
                            BitLocker vorher angehalten wird. Beim nächsten Start verlangt das \
                            Gerät den Wiederherstellungsschlüssel.",
            root_cause_en: "The distributed BIOS update changes the TPM measurements without \
                            suspending BitLocker first. On the next boot the device asks for the \
                            recovery key.",
            workaround_de: "Der Service Desk gibt den Wiederherstellungsschlüssel nach \
                            Identitätsprüfung heraus. Danach startet das Gerät normal.",
            workaround_en: "The service desk hands out the recovery key after identity \
                            verification. The device then boots normally.",
            fix_de: "Verteilungspaket angepasst: BitLocker wird vor dem BIOS-Update für einen \
                     Neustart angehalten.",
            fix_en: "Adjusted the deployment package: BitLocker is suspended for one reboot \
                     before the BIOS update.",
        }),
    },
    Template {
        service: "workplace-laptops",
        category: "Hardware",
        group: "workplace",
        weight: 30,
        impact: 3,
        titles_de: &[
            "Laptop extrem langsam",
            "Rechner {asset} braucht ewig zum Starten",
            "PC hängt ständig, Lüfter läuft auf Hochtouren",
            "Alle Programme reagieren sehr träge",
        ],
        titles_en: &[
            "Laptop extremely slow",
            "Computer {asset} takes forever to start",
            "PC keeps freezing, fan running at full speed",
            "All applications respond very sluggishly",
        ],
        descriptions_de: &[
            "Mein Laptop ist seit ein paar Tagen unglaublich langsam. Excel braucht mehrere \
             Minuten zum Öffnen und der Lüfter läuft ständig.",
            "Der Rechner {asset} braucht morgens fast 15 Minuten, bis ich arbeiten kann. Im \
             Task-Manager steht die Festplatte auf 100 %.",
        ],
        descriptions_en: &[
            "My laptop has been incredibly slow for a few days. Excel takes several minutes to \
             open and the fan is constantly running.",
            "Computer {asset} takes almost 15 minutes in the morning before I can work. Task \
             Manager shows the disk at 100%.",
        ],
        resolutions_de: &[
            "Vollständiger Virenscan lief während der Arbeitszeit. Scan-Zeitplan auf die \
             Mittagspause verschoben, Leistung wieder normal.",
            "Festplatte fast voll und Autostart überladen. Temporäre Dateien bereinigt, unnötige \
             Autostart-Einträge entfernt.",
            "Gerät ist fünf Jahre alt und hat nur 8 GB RAM. Austausch im Rahmen des \
             Lifecycle-Managements vorgezogen.",
        ],
        resolutions_en: &[
            "A full antivirus scan was running during working hours. Moved the scan schedule to \
             lunchtime; performance back to normal.",
            "Disk almost full and startup overloaded. Cleaned up temporary files and removed \
             unnecessary startup entries.",
            "Device is five years old with only 8 GB RAM. Brought forward its lifecycle \
             replacement.",
        ],
        problem: Some(ProblemDef {
            title_de: "Vollständiger Virenscan startet täglich während der Kernarbeitszeit",
            title_en: "Full antivirus scan starts daily during core working hours",
            root_cause_de: "Nach der Migration der Endpoint-Security-Konsole wurde der \
                            Scan-Zeitplan auf die Standardeinstellung 10:00 Uhr zurückgesetzt. \
                            Auf älteren Geräten lastet der Scan Festplatte und CPU vollständig \
                            aus.",
            root_cause_en: "After the endpoint security console was migrated, the scan schedule \
                            was reset to the default of 10:00 am. On older devices the scan \
                            fully saturates disk and CPU.",
            workaround_de: "Laufenden Scan über das Symbol in der Taskleiste pausieren oder das \
                            Gerät über Nacht eingeschaltet am Netz lassen.",
            workaround_en: "Pause the running scan via the taskbar icon, or leave the device \
                            switched on and plugged in overnight.",
            fix_de: "Scan-Richtlinie korrigiert: vollständiger Scan wöchentlich in der Nacht, \
                     tagsüber nur Echtzeitschutz.",
            fix_en: "Corrected the scan policy: full scan weekly at night, only real-time \
                     protection during the day.",
        }),
    },
    Template {
        service: "workplace-laptops",
        category: "Hardware",
        group: "workplace",
        weight: 25,
        impact: 3,
        titles_de: &[
            "Externe Monitore an der Dockingstation bleiben schwarz",
            "Dockingstation erkennt zweiten Bildschirm nicht",
            "Bildschirm an der Dockingstation im {location} flackert",
        ],
        titles_en: &[
            "External monitors on the docking station stay black",
            "Docking station doesn't detect second screen",
            "Screen on the docking station in {location} flickers",
        ],
        descriptions_de: &[
            "Wenn ich meinen Laptop an die Dockingstation anschließe, bleiben beide Monitore \
             schwarz. Maus und Tastatur funktionieren.",
            "Am Desk-Sharing-Platz im {location} geht nur einer der beiden Monitore. Der andere \
             zeigt „Kein Signal“.",
        ],
        descriptions_en: &[
            "When I connect my laptop to the docking station, both monitors stay black. Mouse and \
             keyboard work.",
            "At the shared desk in {location} only one of the two monitors works. The other shows \
             \"No signal\".",
        ],
        resolutions_de: &[
            "Firmware der Dockingstation aktualisiert und Grafiktreiber neu installiert. Beide \
             Monitore funktionieren.",
            "DisplayPort-Kabel war defekt und wurde getauscht. Monitor zeigt wieder ein stabiles \
             Bild.",
        ],
        resolutions_en: &[
            "Updated the docking station firmware and reinstalled the graphics driver. Both \
             monitors work.",
            "The DisplayPort cable was faulty and has been replaced. Monitor shows a stable image \
             again.",
        ],
        problem: Some(ProblemDef {
            title_de: "Dockingstationen erkennen nach Windows-Update keine externen Monitore",
            title_en: "Docking stations don't detect external monitors after Windows update",
            root_cause_de: "Das monatliche Windows-Update installiert einen generischen \
                            Grafiktreiber, der mit der alten Firmware der Dockingstationen nicht \
                            kompatibel ist.",
            root_cause_en: "The monthly Windows update installs a generic graphics driver that \
                            is incompatible with the old firmware of the docking stations.",
            workaround_de: "Monitor direkt per HDMI am Laptop anschließen oder den Grafiktreiber \
                            über das Softwareportal neu installieren.",
            workaround_en: "Connect the monitor directly to the laptop via HDMI, or reinstall the \
                            graphics driver from the software portal.",
            fix_de: "Firmware-Update auf alle Dockingstationen verteilt und Treiber-Updates über \
                     Windows Update gesperrt.",
            fix_en: "Rolled out a firmware update to all docking stations and blocked driver \
                     updates via Windows Update.",
        }),
    },
    Template {
        service: "workplace-laptops",
        category: "Hardware",
        group: "workplace",
        weight: 12,
        impact: 2,
        titles_de: &[
            "Display von Laptop {asset} gebrochen",
            "Laptop-Bildschirm zeigt Streifen",
            "Bildschirm nach Sturz defekt",
        ],
        titles_en: &[
            "Display of laptop {asset} cracked",
            "Laptop screen shows lines",
            "Screen broken after a fall",
        ],
        descriptions_de: &[
            "Mir ist heute der Laptop aus der Tasche gerutscht, jetzt hat das Display einen Sprung \
             und ist zur Hälfte schwarz.",
            "Auf meinem Laptop-Bildschirm sind seit heute senkrechte bunte Streifen. Am externen \
             Monitor ist das Bild normal.",
        ],
        descriptions_en: &[
            "My laptop slipped out of my bag today; now the display is cracked and half of it is \
             black.",
            "Since today there are vertical coloured lines on my laptop screen. The image on the \
             external monitor is normal.",
        ],
        resolutions_de: &[
            "Displaytausch über den Herstellerservice veranlasst und für die Dauer der Reparatur \
             ein Leihgerät ausgegeben.",
            "Displaykabel hatte sich gelöst. Gerät geöffnet, Kabel neu gesteckt, Bild wieder \
             einwandfrei.",
        ],
        resolutions_en: &[
            "Arranged a display replacement through the manufacturer's service and issued a \
             loaner for the duration of the repair.",
            "The display cable had come loose. Opened the device and reseated the cable; the \
             image is fine again.",
        ],
        problem: None,
    },
    Template {
        service: "workplace-laptops",
        category: "Software",
        group: "workplace",
        weight: 30,
        impact: 3,
        titles_de: &[
            "Installation von Software benötigt",
            "Bitte Visio auf meinem Rechner installieren",
            "Softwareportal: Installation schlägt fehl",
            "Adobe Acrobat Pro für Vertragsbearbeitung benötigt",
        ],
        titles_en: &[
            "Software installation required",
            "Please install Visio on my computer",
            "Software portal: installation fails",
            "Need Adobe Acrobat Pro for contract work",
        ],
        descriptions_de: &[
            "Für ein neues Projekt brauche ich Visio. Die Lizenz ist von meiner Führungskraft \
             genehmigt.",
            "Im Softwareportal bricht die Installation bei 60 % mit Fehler 1603 ab. Ich habe es \
             zweimal versucht.",
        ],
        descriptions_en: &[
            "I need Visio for a new project. The licence has been approved by my manager.",
            "In the software portal the installation stops at 60% with error 1603. I tried twice.",
        ],
        resolutions_de: &[
            "Lizenz zugewiesen und Paket über die Softwareverteilung installiert. Anwender hat den \
             Programmstart bestätigt.",
            "Reste einer alten Version blockierten die Installation. Bereinigt und Paket erneut \
             verteilt, Installation erfolgreich.",
        ],
        resolutions_en: &[
            "Assigned a licence and installed the package via software distribution. User \
             confirmed it starts.",
            "Leftovers of an old version blocked the installation. Cleaned them up and redeployed \
             the package; installation successful.",
        ],
        problem: None,
    },
    // -------------------------------------------------------- Network & Wi-Fi
    Template {
        service: "network-wifi",
        category: "Network",
        group: "network",
        weight: 25,
        impact: 2,
        titles_de: &[
            "WLAN im {location} bricht in Besprechungen ständig ab",
            "Kein WLAN im Besprechungsraum",
            "WLAN sehr langsam, sobald mehrere Personen im Raum sind",
            "Gäste-WLAN verbindet nicht",
        ],
        titles_en: &[
            "Wi-Fi in {location} keeps dropping during meetings",
            "No Wi-Fi in the meeting room",
            "Wi-Fi very slow as soon as several people are in the room",
            "Guest Wi-Fi won't connect",
        ],
        descriptions_de: &[
            "Sobald wir im {location} mit mehr als zehn Leuten in der Besprechung sitzen, fliegen \
             alle aus dem WLAN. Videokonferenzen sind so nicht möglich.",
            "Im {location} ist das WLAN seit gestern extrem langsam, teilweise gibt es gar keine \
             Verbindung. Am Platz mit Kabel geht alles.",
        ],
        descriptions_en: &[
            "As soon as more than ten of us are in a meeting in {location}, everyone gets dropped \
             from the Wi-Fi. Video calls are impossible like this.",
            "The Wi-Fi in {location} has been extremely slow since yesterday, sometimes there is \
             no connection at all. At my desk with a cable everything works.",
        ],
        resolutions_de: &[
            "Access Point im Raum überlappte auf Kanal 6 mit einem Nachbar-AP. Kanalplanung \
             angepasst, Verbindungen stabil.",
            "Access Point war defekt und wurde getauscht. Messung vor Ort zeigt wieder volle \
             Abdeckung.",
        ],
        resolutions_en: &[
            "The access point in the room overlapped with a neighbouring AP on channel 6. \
             Adjusted the channel plan; connections are stable.",
            "The access point was faulty and has been replaced. On-site measurement shows full \
             coverage again.",
        ],
        problem: Some(ProblemDef {
            title_de: "Access Points in großen Besprechungsräumen überlastet",
            title_en: "Access points in large meeting rooms overloaded",
            root_cause_de: "Die großen Besprechungsräume werden von je einem Access Point \
                            versorgt, der für 30 Clients ausgelegt ist. Mit Laptops und Handys \
                            aller Teilnehmenden wird diese Grenze regelmäßig überschritten.",
            root_cause_en: "Each large meeting room is served by a single access point designed \
                            for 30 clients. With every participant's laptop and phone this limit \
                            is regularly exceeded.",
            workaround_de: "Für Präsentationen das LAN-Kabel am Konferenztisch nutzen und Handys \
                            aus dem Firmen-WLAN abmelden.",
            workaround_en: "Use the LAN cable at the conference table for presentations and \
                            disconnect phones from the corporate Wi-Fi.",
            fix_de: "Zusätzliche Access Points installiert und Band Steering auf 5 GHz \
                     aktiviert.",
            fix_en: "Installed additional access points and enabled band steering to 5 GHz.",
        }),
    },
    // ------------------------------------------------------------------- SAP
    Template {
        service: "sap-erp",
        category: "Access",
        group: "service-desk",
        weight: 20,
        impact: 2,
        titles_de: &[
            "SAP-Anmeldung nicht möglich – Passwort abgelaufen?",
            "SAP-Benutzer gesperrt",
            "Kann mich nicht in SAP einloggen",
        ],
        titles_en: &[
            "Cannot log in to SAP – password expired?",
            "SAP user locked",
            "Unable to log in to SAP",
        ],
        descriptions_de: &[
            "Beim Anmelden an SAP kommt „Kennwort nicht mehr gültig“ und danach „Benutzer ist \
             gesperrt“. Ich muss heute noch Bestellungen freigeben.",
            "Ich war länger nicht in SAP und komme jetzt nicht mehr rein. Das Passwort hatte ich \
             mir eigentlich notiert.",
        ],
        descriptions_en: &[
            "When logging in to SAP I get \"Password no longer valid\" and then \"User is \
             locked\". I still need to approve orders today.",
            "I haven't used SAP for a while and now I can't get in. I actually wrote down the \
             password.",
        ],
        resolutions_de: &[
            "SAP-Benutzer im Mandanten 100 entsperrt und Initialkennwort vergeben. Anmeldung mit \
             Kennwortänderung erfolgreich.",
            "Benutzer war wegen Inaktivität gesperrt. Nach Rücksprache mit der Führungskraft \
             entsperrt, Anwender kann wieder arbeiten.",
        ],
        resolutions_en: &[
            "Unlocked the SAP user in client 100 and issued an initial password. Login with \
             password change successful.",
            "User was locked due to inactivity. Unlocked after checking with the line manager; \
             the user can work again.",
        ],
        problem: None,
    },
    Template {
        service: "sap-erp",
        category: "Software",
        group: "sap-basis",
        weight: 8,
        impact: 2,
        titles_de: &[
            "SAP-Transaktion extrem langsam",
            "Bestandsliste in SAP läuft ewig",
            "SAP reagiert seit heute Vormittag sehr träge",
        ],
        titles_en: &[
            "SAP transaction extremely slow",
            "Stock list in SAP takes forever",
            "SAP very sluggish since this morning",
        ],
        descriptions_de: &[
            "Die Bestandsübersicht dauert seit heute über zehn Minuten, normalerweise sind es \
             Sekunden. Die Kollegen im Lager haben dasselbe Problem.",
            "Jeder Klick in SAP dauert gerade ewig, besonders beim Buchen von Wareneingängen. Wir \
             haben heute viele Lieferungen.",
        ],
        descriptions_en: &[
            "The stock overview has been taking over ten minutes since today; normally it's \
             seconds. The colleagues in the warehouse have the same problem.",
            "Every click in SAP takes ages right now, especially when posting goods receipts. We \
             have lots of deliveries today.",
        ],
        resolutions_de: &[
            "Ein Hintergrundjob mit ungünstigem Selektionszeitraum blockierte die Datenbank. Job \
             abgebrochen und neu eingeplant, Antwortzeiten wieder normal.",
            "Nach einem Transport fehlenden Datenbankindex identifiziert und angelegt. Laufzeit \
             der Transaktion von 10 Minuten auf 8 Sekunden reduziert.",
        ],
        resolutions_en: &[
            "A background job with an unfavourable selection period was blocking the database. \
             Cancelled and rescheduled the job; response times are normal again.",
            "Identified a database index missing after a transport and created it. Transaction \
             runtime reduced from 10 minutes to 8 seconds.",
        ],
        problem: Some(ProblemDef {
            title_de: "Langsame SAP-Bestandsabfragen durch fehlenden Datenbankindex",
            title_en: "Slow SAP stock queries due to a missing database index",
            root_cause_de: "Mit dem letzten Transport wurde eine kundeneigene Tabelle geändert, \
                            der zugehörige Sekundärindex aber nicht mitgeliefert. Abfragen lesen \
                            seitdem die komplette Tabelle.",
            root_cause_en: "The last transport changed a custom table but did not include the \
                            matching secondary index. Since then, queries perform full table \
                            scans.",
            workaround_de: "Bestandslisten mit eingeschränkter Selektion (ein Werk, ein \
                            Lagerort) ausführen oder als Hintergrundjob einplanen.",
            workaround_en: "Run stock lists with a narrower selection (one plant, one storage \
                            location) or schedule them as background jobs.",
            fix_de: "Index angelegt und die Transportprüfung um einen Check auf fehlende Indizes \
                     erweitert.",
            fix_en: "Created the index and extended the transport review with a check for \
                     missing indexes.",
        }),
    },
    Template {
        service: "sap-erp",
        category: "Software",
        group: "sap-basis",
        weight: 6,
        impact: 2,
        titles_de: &[
            "SAP-Kurzdump beim Buchen einer Rechnung",
            "Laufzeitfehler in SAP bei Transaktion MIRO",
            "SAP bricht mit Dump ab, wenn ich den Bericht starte",
        ],
        titles_en: &[
            "SAP short dump when posting an invoice",
            "Runtime error in SAP in transaction MIRO",
            "SAP aborts with a dump when I start the report",
        ],
        descriptions_de: &[
            "Beim Buchen einer Eingangsrechnung bricht SAP mit einem Laufzeitfehler ab. Einen \
             Screenshot vom Dump hänge ich an.",
            "Seit dem Wochenende bekomme ich beim Start des Monatsberichts einen Kurzdump \
             „TSV_TNEW_PAGE_ALLOC_FAILED“.",
        ],
        descriptions_en: &[
            "When posting an incoming invoice SAP aborts with a runtime error. I'm attaching a \
             screenshot of the dump.",
            "Since the weekend I get a short dump \"TSV_TNEW_PAGE_ALLOC_FAILED\" when starting \
             the monthly report.",
        ],
        resolutions_de: &[
            "Dump in ST22 analysiert: fehlerhafter SAP-Hinweis aus dem Support Package. \
             Korrekturhinweis eingespielt, Buchung funktioniert.",
            "Speicherparameter für Dialogprozesse erhöht und Report mit kleinerem \
             Selektionszeitraum gestartet. Kein Dump mehr.",
        ],
        resolutions_en: &[
            "Analysed the dump in ST22: faulty SAP note from the support package. Applied the \
             correction note; posting works.",
            "Increased the memory parameters for dialog processes and ran the report with a \
             smaller selection period. No more dump.",
        ],
        problem: Some(ProblemDef {
            title_de: "Kurzdumps in der Rechnungsprüfung nach Einspielen des Support Packages",
            title_en: "Short dumps in invoice verification after applying the support package",
            root_cause_de: "Ein im Support Package enthaltener SAP-Hinweis kollidiert mit einer \
                            kundeneigenen Erweiterung der Rechnungsprüfung. Rechnungen mit \
                            mehreren Bestellbezügen führen zum Laufzeitfehler.",
            root_cause_en: "An SAP note included in the support package conflicts with a custom \
                            enhancement in invoice verification. Invoices referencing several \
                            purchase orders cause a runtime error.",
            workaround_de: "Rechnungen mit mehreren Bestellbezügen vorerst getrennt je Bestellung \
                            erfassen.",
            workaround_en: "For now, enter invoices referencing several purchase orders \
                            separately per order.",
            fix_de: "Kundeneigene Erweiterung angepasst, im Testsystem verifiziert und per \
                     Transport in die Produktion übernommen.",
            fix_en: "Adjusted the custom enhancement, verified it in the test system and moved it \
                     to production via transport.",
        }),
    },
    Template {
        service: "sap-erp",
        category: "Software",
        group: "sap-basis",
        weight: 2,
        impact: 1,
        titles_de: &[
            "SAP nicht erreichbar – alle Benutzer betroffen",
            "Störung: SAP-System hängt komplett",
            "SAP-Anmeldung für ganze Abteilung unmöglich",
        ],
        titles_en: &[
            "SAP unavailable – all users affected",
            "Outage: SAP system completely frozen",
            "Entire department unable to log in to SAP",
        ],
        descriptions_de: &[
            "Seit etwa 8:15 Uhr bekommen alle im Büro beim Start von SAP die Meldung „Verbindung \
             zum Partner unterbrochen“. Wir können keine Aufträge erfassen.",
            "SAP reagiert überhaupt nicht mehr, alle Sitzungen sind eingefroren. Die Produktion \
             kann keine Rückmeldungen buchen.",
        ],
        descriptions_en: &[
            "Since about 8:15 am everyone in the office gets \"Connection to partner broken\" \
             when starting SAP. We cannot enter any orders.",
            "SAP isn't responding at all, every session is frozen. Production cannot post \
             confirmations.",
        ],
        resolutions_de: &[
            "Dateisystem für die Datenbank-Logs war vollgelaufen, die Datenbank stand. Speicher \
             erweitert und Log-Backup angestoßen, System ab 9:40 Uhr wieder verfügbar.",
            "Anwendungsserver nach Hardwarefehler ausgefallen. Benutzer auf die verbleibenden \
             Instanzen umgeleitet, Server durch den Hersteller repariert.",
        ],
        resolutions_en: &[
            "The file system for the database logs had filled up and the database stopped. \
             Extended the storage and triggered a log backup; system available again from 9:40 \
             am.",
            "Application server failed due to a hardware fault. Redirected users to the remaining \
             instances; the vendor repaired the server.",
        ],
        problem: Some(ProblemDef {
            title_de: "SAP-Stillstand durch volllaufendes Log-Verzeichnis der Datenbank",
            title_en: "SAP outage caused by the database log directory filling up",
            root_cause_de: "Die Log-Sicherung der Datenbank schlug seit einer Änderung am \
                            Backup-Server fehl, ohne dass ein Alarm ausgelöst wurde. Das \
                            Log-Verzeichnis lief voll und die Datenbank stoppte alle \
                            Schreibzugriffe.",
            root_cause_en: "The database log backup had been failing since a change on the backup \
                            server, without raising an alert. The log directory filled up and \
                            the database stopped all writes.",
            workaround_de: "Log-Backup manuell starten und den Füllstand des Log-Verzeichnisses \
                            stündlich prüfen.",
            workaround_en: "Start the log backup manually and check the fill level of the log \
                            directory every hour.",
            fix_de: "Backup-Konfiguration korrigiert und Monitoring-Alarme bei 80 % Füllstand \
                     sowie bei fehlgeschlagener Log-Sicherung eingerichtet.",
            fix_en: "Corrected the backup configuration and set up monitoring alerts at 80% fill \
                     level and for failed log backups.",
        }),
    },
    // ---------------------------------------------------------- Collaboration
    Template {
        service: "collaboration",
        category: "Software",
        group: "applications",
        weight: 30,
        impact: 3,
        titles_de: &[
            "Teams: Gesprächspartner hören mich nicht",
            "Ton in Teams-Besprechungen abgehackt",
            "Headset wird in Teams nicht erkannt",
            "Echo in Teams-Meetings",
        ],
        titles_en: &[
            "Teams: others can't hear me",
            "Choppy audio in Teams meetings",
            "Headset not recognised in Teams",
            "Echo in Teams meetings",
        ],
        descriptions_de: &[
            "In Teams-Besprechungen hören mich die anderen nicht, obwohl das Mikrofon nicht \
             stummgeschaltet ist. Beim normalen Telefonieren funktioniert das Headset.",
            "Seit heute ist der Ton in Teams total abgehackt, die Kollegen klingen wie Roboter. \
             Das passiert mit und ohne Headset.",
        ],
        descriptions_en: &[
            "In Teams meetings the others can't hear me even though my microphone isn't muted. \
             The headset works in normal phone calls.",
            "Since today the audio in Teams is totally choppy; colleagues sound like robots. It \
             happens with and without the headset.",
        ],
        resolutions_de: &[
            "In Teams war das Laptop-Mikrofon statt des Headsets ausgewählt. Geräteeinstellung \
             korrigiert, Testanruf erfolgreich.",
            "Teams-Cache geleert und Headset-Firmware aktualisiert. Ton wieder klar.",
        ],
        resolutions_en: &[
            "Teams had the laptop microphone selected instead of the headset. Corrected the \
             device setting; test call successful.",
            "Cleared the Teams cache and updated the headset firmware. Audio is clear again.",
        ],
        problem: Some(ProblemDef {
            title_de: "Headsets nach Treiber-Update in Teams ohne Mikrofon",
            title_en: "Headsets lose their microphone in Teams after a driver update",
            root_cause_de: "Ein automatisch verteiltes Audiotreiber-Update setzt das \
                            Standard-Kommunikationsgerät auf das interne Mikrofon zurück. Teams \
                            übernimmt diese Einstellung bei jedem Neustart.",
            root_cause_en: "An automatically distributed audio driver update resets the default \
                            communication device to the internal microphone. Teams adopts this \
                            setting on every restart.",
            workaround_de: "In Teams unter Einstellungen > Geräte das Headset manuell als \
                            Mikrofon auswählen.",
            workaround_en: "Manually select the headset as microphone in Teams under Settings > \
                            Devices.",
            fix_de: "Treiber-Update zurückgezogen und eine geprüfte Version über die \
                     Softwareverteilung bereitgestellt.",
            fix_en: "Withdrew the driver update and provided a tested version via software \
                     distribution.",
        }),
    },
    Template {
        service: "collaboration",
        category: "Software",
        group: "applications",
        weight: 15,
        impact: 3,
        titles_de: &[
            "OneDrive synchronisiert nicht",
            "Kein Zugriff auf die SharePoint-Seite des Projekts",
            "Teams-Kanal: Dateien lassen sich nicht öffnen",
        ],
        titles_en: &[
            "OneDrive not syncing",
            "No access to the project's SharePoint site",
            "Teams channel: files won't open",
        ],
        descriptions_de: &[
            "Am OneDrive-Symbol ist seit Tagen ein rotes Kreuz. Änderungen auf dem Laptop tauchen \
             auf meinem anderen Gerät nicht auf.",
            "Ich wurde ins Projekt geholt, aber beim Öffnen der SharePoint-Seite kommt „Zugriff \
             verweigert“. Den Link hat mir ein Kollege geschickt.",
        ],
        descriptions_en: &[
            "The OneDrive icon has shown a red cross for days. Changes on my laptop don't appear \
             on my other device.",
            "I've joined the project, but opening the SharePoint site says \"Access denied\". A \
             colleague sent me the link.",
        ],
        resolutions_de: &[
            "Ein Dateiname mit unzulässigem Zeichen und zu langem Pfad blockierte die \
             Synchronisation. Datei umbenannt, OneDrive synchronisiert wieder.",
            "Anwender fehlte in der Mitgliedergruppe des Teams. Nach Freigabe durch den \
             Teambesitzer hinzugefügt.",
        ],
        resolutions_en: &[
            "A file name with an invalid character and an overly long path was blocking the sync. \
             Renamed the file; OneDrive syncs again.",
            "User was missing from the team's member group. Added after approval by the team \
             owner.",
        ],
        problem: None,
    },
    // ------------------------------------------------------------ File shares
    Template {
        service: "file-shares",
        category: "Access",
        group: "identity",
        weight: 25,
        impact: 3,
        titles_de: &[
            "Kein Zugriff auf Abteilungslaufwerk",
            "Zugriff verweigert auf Ordner im Laufwerk S:",
            "Berechtigung für Projektordner benötigt",
            "Netzlaufwerk nach Abteilungswechsel nicht erreichbar",
        ],
        titles_en: &[
            "No access to department drive",
            "Access denied on folder on drive S:",
            "Need permission for project folder",
            "Network drive unreachable after department change",
        ],
        descriptions_de: &[
            "Beim Öffnen des Ordners „Controlling\\Planung“ kommt „Zugriff verweigert“. Bis \
             letzte Woche konnte ich ihn noch öffnen.",
            "Ich bin seit dem 1. in der Logistik und brauche Zugriff auf deren Laufwerk. Meine \
             Führungskraft ist in Kopie.",
        ],
        descriptions_en: &[
            "Opening the folder \"Controlling\\Planning\" gives me \"Access denied\". I could \
             still open it last week.",
            "I moved to logistics on the 1st and need access to their drive. My manager is in \
             copy.",
        ],
        resolutions_de: &[
            "Anwender nach Freigabe durch den Dateneigentümer zur Berechtigungsgruppe des Ordners \
             hinzugefügt. Nach erneuter Anmeldung ist der Zugriff da.",
            "Alte Gruppenmitgliedschaften entfernt und neue gemäß Abteilungsprofil vergeben. \
             Laufwerkszuordnung per Gruppenrichtlinie aktualisiert.",
        ],
        resolutions_en: &[
            "Added the user to the folder's permission group after approval by the data owner. \
             Access works after logging in again.",
            "Removed old group memberships and assigned new ones according to the department \
             profile. Drive mapping updated via group policy.",
        ],
        problem: None,
    },
    Template {
        service: "file-shares",
        category: "Software",
        group: "infrastructure",
        weight: 15,
        impact: 3,
        titles_de: &[
            "Versehentlich gelöschte Datei wiederherstellen",
            "Ordner auf dem Netzlaufwerk ist verschwunden",
            "Ältere Version einer Excel-Datei benötigt",
        ],
        titles_en: &[
            "Restore accidentally deleted file",
            "Folder on the network drive has disappeared",
            "Need an older version of an Excel file",
        ],
        descriptions_de: &[
            "Ich habe gestern aus Versehen den Ordner „Angebote“ auf dem Gruppenlaufwerk gelöscht. \
             Können Sie ihn wiederherstellen?",
            "Eine Kollegin hat meine Excel-Liste überschrieben. Ich bräuchte den Stand von \
             Freitagabend.",
        ],
        descriptions_en: &[
            "Yesterday I accidentally deleted the \"Quotes\" folder on the group drive. Can you \
             restore it?",
            "A colleague overwrote my Excel list. I'd need the version from Friday evening.",
        ],
        resolutions_de: &[
            "Ordner aus der Schattenkopie von gestern 12:00 Uhr wiederhergestellt. Anwender hat \
             die Vollständigkeit bestätigt.",
            "Datei aus der Nachtsicherung vom Freitag zurückgespielt und unter neuem Namen \
             abgelegt.",
        ],
        resolutions_en: &[
            "Restored the folder from yesterday's 12:00 snapshot. User confirmed it is complete.",
            "Restored the file from Friday's nightly backup and saved it under a new name.",
        ],
        problem: None,
    },
    // ------------------------------------------------------------- Telephony
    Template {
        service: "telephony-mobile",
        category: "Hardware",
        group: "telephony",
        weight: 15,
        impact: 2,
        titles_de: &[
            "Tischtelefon im {location} ohne Funktion",
            "Telefon zeigt „Nicht registriert“",
            "Keine eingehenden Anrufe auf meiner Durchwahl",
            "Telefon {asset} startet ständig neu",
        ],
        titles_en: &[
            "Desk phone in {location} not working",
            "Phone shows \"Not registered\"",
            "No incoming calls on my extension",
            "Phone {asset} keeps rebooting",
        ],
        descriptions_de: &[
            "Mein Telefon zeigt seit heute Morgen „Nicht registriert“, ich kann weder anrufen \
             noch angerufen werden. Kunden erreichen mich nur noch auf dem Handy.",
            "Anrufer hören bei meiner Durchwahl nur das Besetztzeichen, das Telefon klingelt aber \
             nie.",
        ],
        descriptions_en: &[
            "My phone has been showing \"Not registered\" since this morning; I can't make or \
             receive calls. Customers can only reach me on my mobile.",
            "Callers only hear a busy signal on my extension, but the phone never rings.",
        ],
        resolutions_de: &[
            "Telefon hatte sich nach einem Switch-Neustart nicht neu registriert. PoE-Port \
             zurückgesetzt, Telefon meldet sich wieder an.",
            "In der Telefonanlage war eine Rufumleitung auf eine alte Nummer aktiv. Entfernt, \
             eingehende Anrufe funktionieren.",
        ],
        resolutions_en: &[
            "The phone did not re-register after a switch restart. Reset the PoE port; the phone \
             registers again.",
            "A call forward to an old number was active in the phone system. Removed it; incoming \
             calls work.",
        ],
        problem: Some(ProblemDef {
            title_de: "Tischtelefone registrieren sich nach Switch-Neustart nicht automatisch",
            title_en: "Desk phones don't re-register automatically after a switch restart",
            root_cause_de: "Nach einem Neustart des Etagen-Switches erhalten die Telefone ihre \
                            Voice-VLAN-Konfiguration zu spät und bleiben im Daten-VLAN ohne \
                            Verbindung zur Telefonanlage.",
            root_cause_en: "After the floor switch restarts, the phones receive their voice VLAN \
                            configuration too late and stay in the data VLAN without a \
                            connection to the phone system.",
            workaround_de: "Netzwerkkabel des Telefons kurz ziehen und wieder einstecken oder das \
                            Telefon neu starten.",
            workaround_en: "Briefly unplug and replug the phone's network cable, or restart the \
                            phone.",
            fix_de: "LLDP-MED-Konfiguration auf allen Etagen-Switches vereinheitlicht, die \
                     Telefone übernehmen das Voice-VLAN jetzt sofort.",
            fix_en: "Standardised the LLDP-MED configuration on all floor switches; phones now \
                     pick up the voice VLAN immediately.",
        }),
    },
    Template {
        service: "telephony-mobile",
        category: "Hardware",
        group: "telephony",
        weight: 15,
        impact: 3,
        titles_de: &[
            "Diensthandy {asset}: Display gebrochen",
            "iPhone empfängt keine Firmen-E-Mails mehr",
            "Neues Diensthandy benötigt",
            "Mobile Daten funktionieren im Ausland nicht",
        ],
        titles_en: &[
            "Company phone {asset}: display cracked",
            "iPhone no longer receives company e-mails",
            "Need a new company phone",
            "Mobile data not working abroad",
        ],
        descriptions_de: &[
            "Mir ist mein Diensthandy heruntergefallen, das Display ist gesplittert und reagiert \
             kaum noch auf Berührungen.",
            "Ich bin diese Woche beim Kunden in Frankreich und habe keine mobilen Daten. \
             Telefonieren geht.",
        ],
        descriptions_en: &[
            "I dropped my company phone; the display is shattered and barely responds to touch.",
            "I'm at a customer site in France this week and have no mobile data. Calls work.",
        ],
        resolutions_de: &[
            "Ersatzgerät aus dem Pool ausgegeben und Daten über das Gerätemanagement übertragen. \
             Altgerät geht in die Reparatur.",
            "Roaming für die SIM-Karte beim Mobilfunkanbieter freigeschaltet. Anwender bestätigt, \
             dass mobile Daten funktionieren.",
        ],
        resolutions_en: &[
            "Issued a replacement device from the pool and transferred data via device \
             management. The old device is going for repair.",
            "Enabled roaming for the SIM card with the mobile carrier. User confirmed that mobile \
             data works.",
        ],
        problem: None,
    },
    // -------------------------------------------------------------------- HR
    Template {
        service: "payroll",
        category: "Payroll",
        group: "payroll",
        weight: 12,
        impact: 3,
        titles_de: &[
            "Gehaltsabrechnung für diesen Monat fehlt",
            "Lohnzettel nicht im Portal",
            "Entgeltabrechnung nicht erhalten",
        ],
        titles_en: &[
            "Payslip for this month is missing",
            "Payslip not in the portal",
            "Did not receive my pay statement",
        ],
        descriptions_de: &[
            "Im HR-Portal finde ich meine Gehaltsabrechnung für diesen Monat nicht. Bei den \
             Kollegen ist sie schon seit Tagen da.",
            "Ich bin in Elternzeit und bekomme meine Abrechnungen normalerweise per Post. Diesen \
             Monat ist nichts angekommen.",
        ],
        descriptions_en: &[
            "I can't find this month's payslip in the HR portal. My colleagues have had theirs \
             for days.",
            "I'm on parental leave and normally receive my payslips by post. Nothing arrived this \
             month.",
        ],
        resolutions_de: &[
            "Abrechnung fehlte im Portal, weil die Einwilligung zum digitalen Versand nicht \
             hinterlegt war. Einwilligung erfasst und Dokument nachträglich bereitgestellt.",
            "Postrücklauf wegen alter Adresse. Adresse aktualisiert, Abrechnung erneut versendet \
             und zusätzlich als PDF im Portal hinterlegt.",
        ],
        resolutions_en: &[
            "The payslip was missing from the portal because consent to digital delivery was not \
             recorded. Recorded the consent and published the document retroactively.",
            "Returned by the post office because of an old address. Updated the address, resent \
             the payslip and also uploaded it as a PDF to the portal.",
        ],
        problem: None,
    },
    Template {
        service: "payroll",
        category: "Payroll",
        group: "payroll",
        weight: 8,
        impact: 2,
        titles_de: &[
            "Überstunden in der Gehaltsabrechnung nicht berücksichtigt",
            "Falsche Steuerklasse auf der Abrechnung",
            "Gehalt zu niedrig ausgezahlt",
            "Schichtzulagen fehlen auf der Lohnabrechnung",
        ],
        titles_en: &[
            "Overtime not included in payslip",
            "Wrong tax class on my payslip",
            "Salary paid too low",
            "Shift allowances missing from payslip",
        ],
        descriptions_de: &[
            "Auf meiner Abrechnung fehlen die Überstunden aus dem Vormonat, obwohl sie im \
             Zeiterfassungssystem genehmigt sind.",
            "Ich habe im Mai geheiratet und die neue Steuerklasse gemeldet, auf der Abrechnung \
             steht aber noch die alte.",
            "Mir fehlen die Nachtschichtzulagen für drei Schichten in Halle 3. Meine \
             Schichtleitung hat sie bestätigt.",
        ],
        descriptions_en: &[
            "My payslip is missing last month's overtime, although it is approved in the time \
             recording system.",
            "I got married in May and reported the new tax class, but the payslip still shows the \
             old one.",
            "I'm missing night shift allowances for three shifts in hall 3. My shift supervisor \
             has confirmed them.",
        ],
        resolutions_de: &[
            "Überstunden wurden wegen eines Schnittstellenfehlers nicht übertragen. Korrektur \
             erfasst, die Nachzahlung erfolgt mit der nächsten Abrechnung.",
            "Steuerklassenänderung aus den elektronischen Lohnsteuerabzugsmerkmalen übernommen \
             und Rückrechnung durchgeführt.",
        ],
        resolutions_en: &[
            "Overtime was not transferred due to an interface error. Correction entered; the back \
             payment will be made with the next payroll run.",
            "Applied the tax class change from the electronic wage tax data and ran a retroactive \
             calculation.",
        ],
        problem: Some(ProblemDef {
            title_de: "Zeiterfassung überträgt nachträglich genehmigte Zeiten nicht an die \
                       Entgeltabrechnung",
            title_en: "Time recording does not transfer late-approved times to payroll",
            root_cause_de: "Genehmigungen nach dem Export-Stichtag werden von der Schnittstelle \
                            ignoriert und auch im Folgemonat nicht nachgeliefert.",
            root_cause_en: "Approvals made after the export cut-off are ignored by the interface \
                            and are not delivered in the following month either.",
            workaround_de: "Payroll prüft monatlich die Liste der nachträglichen Genehmigungen und \
                            erfasst die Werte manuell.",
            workaround_en: "Payroll checks the list of late approvals every month and enters the \
                            values manually.",
            fix_de: "Schnittstelle erweitert: Nachträglich genehmigte Zeiten werden im Folgemonat \
                     automatisch als Rückrechnung übertragen.",
            fix_en: "Extended the interface: late-approved times are automatically transferred as \
                     a retroactive calculation in the following month.",
        }),
    },
    Template {
        service: "hr-portal",
        category: "HR",
        group: "hr-services",
        weight: 12,
        impact: 3,
        titles_de: &[
            "Urlaubskonto im HR-Portal falsch",
            "Resturlaub aus dem Vorjahr fehlt",
            "Genehmigter Urlaub wird nicht abgezogen",
        ],
        titles_en: &[
            "Leave balance wrong in HR portal",
            "Remaining leave from last year is missing",
            "Approved leave is not deducted",
        ],
        descriptions_de: &[
            "Im HR-Portal werden mir nur 24 Urlaubstage angezeigt, ich hatte aber noch 5 Tage \
             Resturlaub aus dem Vorjahr.",
            "Mein Urlaub im August wurde genehmigt, das Urlaubskonto zeigt aber immer noch die \
             volle Anzahl Tage an.",
        ],
        descriptions_en: &[
            "The HR portal only shows 24 days of leave, but I still had 5 days left over from \
             last year.",
            "My leave in August was approved, but the leave balance still shows the full number \
             of days.",
        ],
        resolutions_de: &[
            "Übertrag des Resturlaubs manuell nachgebucht. Das Urlaubskonto zeigt jetzt 29 Tage.",
            "Genehmigung hing im Workflow, weil keine Vertretung gepflegt war. Antrag nachträglich \
             verbucht.",
        ],
        resolutions_en: &[
            "Posted the leave carry-over manually. The leave balance now shows 29 days.",
            "The approval was stuck in the workflow because no deputy was maintained. Posted the \
             request retroactively.",
        ],
        problem: Some(ProblemDef {
            title_de: "Resturlaub von Teilzeitkräften wird beim Jahreswechsel nicht übertragen",
            title_en: "Remaining leave of part-time employees not carried over at year end",
            root_cause_de: "Der Jahreswechsel-Job berechnet den Übertrag nur für \
                            Vollzeitmodelle. Bei Teilzeitmodellen mit abweichenden Arbeitstagen \
                            wird der Übertrag auf null gesetzt.",
            root_cause_en: "The year-end job only calculates the carry-over for full-time models. \
                            For part-time models with different working days, the carry-over is \
                            set to zero.",
            workaround_de: "HR Services bucht den Übertrag für betroffene Mitarbeitende nach \
                            Meldung manuell nach.",
            workaround_en: "HR Services posts the carry-over manually for affected employees \
                            once reported.",
            fix_de: "Berechnungsregel für Teilzeitmodelle korrigiert und den Übertrag für alle \
                     Betroffenen per Massenkorrektur nachgebucht.",
            fix_en: "Corrected the calculation rule for part-time models and posted the \
                     carry-over for everyone affected via a bulk correction.",
        }),
    },
    Template {
        service: "hr-portal",
        category: "HR",
        group: "hr-services",
        weight: 8,
        impact: 3,
        titles_de: &[
            "Kein Login ins HR-Portal möglich",
            "Bankverbindung im HR-Portal ändern",
            "Neue Adresse lässt sich im Portal nicht speichern",
        ],
        titles_en: &[
            "Cannot log in to the HR portal",
            "Change bank details in the HR portal",
            "New address can't be saved in the portal",
        ],
        descriptions_de: &[
            "Ich bin umgezogen und möchte die neue Adresse im HR-Portal eintragen. Beim Speichern \
             kommt „Unbekannter Fehler“.",
            "Ich komme nicht ins HR-Portal, es erscheint nur eine leere Seite. Mit anderen \
             Anwendungen gibt es keine Probleme.",
        ],
        descriptions_en: &[
            "I've moved and want to enter my new address in the HR portal. When saving I get \
             \"Unknown error\".",
            "I can't get into the HR portal; only a blank page appears. Other applications work \
             fine.",
        ],
        resolutions_de: &[
            "Adressänderungen mit Gültigkeitsdatum in der Vergangenheit sind im Portal gesperrt. \
             Änderung im System erfasst und Anwender informiert.",
            "Portalrolle fehlte nach dem Wechsel der Organisationseinheit. Rolle zugewiesen, \
             Anmeldung funktioniert.",
        ],
        resolutions_en: &[
            "Address changes with a validity date in the past are blocked in the portal. Entered \
             the change in the system and informed the user.",
            "The portal role was missing after the change of organisational unit. Assigned the \
             role; login works.",
        ],
        problem: None,
    },
    Template {
        service: "hr-portal",
        category: "HR",
        group: "hr-services",
        weight: 10,
        impact: 3,
        titles_de: &[
            "Stempelung fehlt in der Zeiterfassung",
            "Korrektur der Arbeitszeit für letzte Woche",
            "Zeiterfassungsterminal im {location} hat Buchung nicht übernommen",
        ],
        titles_en: &[
            "Clock-in missing in time recording",
            "Correction of working hours for last week",
            "Time clock in {location} didn't record my booking",
        ],
        descriptions_de: &[
            "Am Dienstag fehlt meine Kommt-Buchung, obwohl ich am Terminal gestempelt habe. Jetzt \
             zeigt das System einen Fehltag an.",
            "Ich war letzte Woche auf Dienstreise und konnte nicht stempeln. Wie trage ich die \
             Zeiten nach?",
        ],
        descriptions_en: &[
            "My clock-in on Tuesday is missing even though I swiped at the terminal. Now the \
             system shows an absence day.",
            "I was on a business trip last week and couldn't clock in. How do I add the times \
             afterwards?",
        ],
        resolutions_de: &[
            "Buchung nach Bestätigung durch die Führungskraft manuell nachgetragen. Fehltag \
             entfernt.",
            "Anwender den Korrekturantrag im HR-Portal erklärt, die Dienstreisezeiten wurden \
             eingereicht und genehmigt.",
        ],
        resolutions_en: &[
            "Added the booking manually after confirmation by the line manager. Absence day \
             removed.",
            "Explained the correction request in the HR portal to the user; the business trip \
             times were submitted and approved.",
        ],
        problem: None,
    },
    // ------------------------------------------------------------ Facilities
    Template {
        service: "access-cards",
        category: "Building",
        group: "building-services",
        weight: 20,
        impact: 2,
        titles_de: &[
            "Zutrittskarte funktioniert nicht mehr",
            "Zutritt zum {location} mit meinem Ausweis nicht möglich",
            "Kartenleser an der Tür zum {location} reagiert nicht",
            "Neuer Mitarbeiterausweis benötigt – alter verloren",
        ],
        titles_en: &[
            "Access card no longer works",
            "Can't get into {location} with my badge",
            "Card reader at the door to {location} not responding",
            "New employee badge needed – old one lost",
        ],
        descriptions_de: &[
            "Seit heute öffnet meine Zutrittskarte die Tür zum {location} nicht mehr. Der Leser \
             blinkt rot.",
            "Ich habe meinen Ausweis gestern in der Bahn verloren. Bitte sperren und einen neuen \
             ausstellen.",
        ],
        descriptions_en: &[
            "Since today my access card no longer opens the door to {location}. The reader \
             flashes red.",
            "I lost my badge on the train yesterday. Please block it and issue a new one.",
        ],
        resolutions_de: &[
            "Zutrittsprofil war nach dem Abteilungswechsel abgelaufen. Profil verlängert, die Tür \
             öffnet wieder.",
            "Alte Karte gesperrt, neuen Ausweis gedruckt und am Empfang gegen Unterschrift \
             ausgegeben.",
        ],
        resolutions_en: &[
            "The access profile had expired after the department change. Extended the profile; \
             the door opens again.",
            "Blocked the old card, printed a new badge and handed it out at reception against \
             signature.",
        ],
        problem: Some(ProblemDef {
            title_de: "Zutrittsprofile werden nach Abteilungswechsel nicht automatisch angepasst",
            title_en: "Access profiles not updated automatically after a department change",
            root_cause_de: "Die Schnittstelle vom HR-System zur Zutrittskontrolle überträgt nur \
                            Eintritte und Austritte, aber keine Organisationswechsel. Alte \
                            Profile laufen ab, neue werden nie angelegt.",
            root_cause_en: "The interface from the HR system to access control only transfers \
                            hires and leavers, not organisational changes. Old profiles expire \
                            and new ones are never created.",
            workaround_de: "Die Führungskraft beantragt das neue Zutrittsprofil beim Wechsel \
                            manuell über das Facility-Formular.",
            workaround_en: "The line manager requests the new access profile manually via the \
                            facilities form when the change happens.",
            fix_de: "Schnittstelle um Organisationswechsel erweitert, Profile werden zum \
                     Stichtag automatisch angepasst.",
            fix_en: "Extended the interface to include organisational changes; profiles are \
                     adjusted automatically on the effective date.",
        }),
    },
    Template {
        service: "heating-cooling",
        category: "Building",
        group: "building-services",
        weight: 18,
        impact: 3,
        titles_de: &[
            "Heizung im {location} funktioniert nicht",
            "Viel zu kalt im Büro",
            "Heizkörper bleiben kalt",
            "Nur 17 Grad im Besprechungsraum",
        ],
        titles_en: &[
            "Heating in {location} not working",
            "Far too cold in the office",
            "Radiators stay cold",
            "Only 17 degrees in the meeting room",
        ],
        descriptions_de: &[
            "Im {location} sind heute Morgen nur 17 Grad, die Heizkörper sind eiskalt. Wir sitzen \
             mit Jacken am Platz.",
            "Seit Montag ist es morgens im Büro extrem kalt, erst gegen Mittag wird es warm. Das \
             Thermostat steht auf 5.",
        ],
        descriptions_en: &[
            "It's only 17 degrees in {location} this morning and the radiators are ice cold. \
             We're sitting at our desks in jackets.",
            "Since Monday it's been extremely cold in the office in the mornings; it only warms \
             up around noon. The thermostat is set to 5.",
        ],
        resolutions_de: &[
            "Heizkreis war nach der Wartung nicht wieder freigegeben. Ventil geöffnet, nach zwei \
             Stunden 21 Grad Raumtemperatur.",
            "Zeitprogramm der Gebäudeleittechnik nach der Zeitumstellung korrigiert. Die Heizung \
             startet wieder um 5:00 Uhr.",
        ],
        resolutions_en: &[
            "The heating circuit had not been re-enabled after maintenance. Opened the valve; \
             room temperature at 21 degrees after two hours.",
            "Corrected the building management system schedule after the clock change. Heating \
             starts at 5:00 am again.",
        ],
        problem: Some(ProblemDef {
            title_de: "Heizungs-Zeitprogramme verschieben sich nach der Zeitumstellung",
            title_en: "Heating schedules shift after the daylight saving time change",
            root_cause_de: "Mehrere Unterstationen der Gebäudeleittechnik synchronisieren ihre \
                            Uhrzeit nicht mit dem Zeitserver. Nach der Zeitumstellung starten die \
                            Heizkreise deshalb zu spät.",
            root_cause_en: "Several substations of the building management system do not \
                            synchronise their clocks with the time server. After the clock \
                            change the heating circuits therefore start too late.",
            workaround_de: "Die Haustechnik stellt die Uhrzeit der betroffenen Unterstationen \
                            nach jeder Zeitumstellung manuell ein.",
            workaround_en: "Building services set the clock of the affected substations manually \
                            after each clock change.",
            fix_de: "Unterstationen per Firmware-Update an die zentrale Zeitsynchronisation \
                     angebunden.",
            fix_en: "Connected the substations to central time synchronisation via a firmware \
                     update.",
        }),
    },
    Template {
        service: "heating-cooling",
        category: "Building",
        group: "building-services",
        weight: 12,
        impact: 3,
        titles_de: &[
            "Klimaanlage im {location} ausgefallen",
            "Büro viel zu warm – 29 Grad am Nachmittag",
            "Klimaanlage tropft von der Decke",
        ],
        titles_en: &[
            "Air conditioning in {location} has failed",
            "Office far too hot – 29 degrees in the afternoon",
            "Air conditioning dripping from the ceiling",
        ],
        descriptions_de: &[
            "Die Klimaanlage im {location} bläst nur noch warme Luft. Nachmittags haben wir fast \
             30 Grad im Raum.",
            "Aus dem Lüftungsgitter über meinem Schreibtisch tropft Wasser. Ich habe einen Eimer \
             daruntergestellt.",
        ],
        descriptions_en: &[
            "The air conditioning in {location} only blows warm air. In the afternoon it's almost \
             30 degrees in the room.",
            "Water is dripping from the vent above my desk. I've put a bucket underneath.",
        ],
        resolutions_de: &[
            "Kältemittelverlust am Split-Gerät festgestellt. Fachfirma hat das Leck abgedichtet \
             und nachgefüllt, die Anlage kühlt wieder.",
            "Kondensatablauf war verstopft und wurde gereinigt. Feuchte Deckenplatte \
             ausgetauscht.",
        ],
        resolutions_en: &[
            "Found refrigerant loss at the split unit. A specialist contractor sealed the leak \
             and refilled it; the unit cools again.",
            "The condensate drain was blocked and has been cleaned. Replaced the damp ceiling \
             tile.",
        ],
        problem: None,
    },
    Template {
        service: "cleaning-rooms",
        category: "Building",
        group: "facility-management",
        weight: 12,
        impact: 3,
        titles_de: &[
            "Besprechungsraum doppelt gebucht",
            "Raumbuchung im {location} nicht möglich",
            "Raumdisplay zeigt falsche Belegung",
        ],
        titles_en: &[
            "Meeting room double-booked",
            "Cannot book room in {location}",
            "Room display shows wrong bookings",
        ],
        descriptions_de: &[
            "Ich habe den großen Besprechungsraum für Donnerstag gebucht und eine Bestätigung \
             bekommen, jetzt sitzt dort aber eine andere Abteilung mit Kunden.",
            "Der Raum im {location} taucht in der Raumliste in Outlook nicht mehr auf. Ich brauche \
             ihn nächste Woche für einen Workshop.",
        ],
        descriptions_en: &[
            "I booked the large meeting room for Thursday and got a confirmation, but now another \
             department is sitting there with customers.",
            "The room in {location} no longer appears in the Outlook room list. I need it for a \
             workshop next week.",
        ],
        resolutions_de: &[
            "Raum war zusätzlich manuell über den Empfang vergeben worden. Buchungen bereinigt und \
             einen gleichwertigen Ersatzraum zugewiesen.",
            "Raumpostfach war nach dem Umbau deaktiviert. Wieder aktiviert und der Raumliste \
             hinzugefügt.",
        ],
        resolutions_en: &[
            "The room had also been allocated manually via reception. Cleaned up the bookings and \
             assigned an equivalent replacement room.",
            "The room mailbox had been disabled after the refurbishment. Re-enabled it and added \
             it to the room list.",
        ],
        problem: None,
    },
    Template {
        service: "cleaning-rooms",
        category: "Building",
        group: "facility-management",
        weight: 10,
        impact: 3,
        titles_de: &[
            "Reinigung im {location} nicht durchgeführt",
            "Mülleimer seit Tagen nicht geleert",
            "Verschütteter Kaffee auf dem Teppich im Flur",
        ],
        titles_en: &[
            "Cleaning not done in {location}",
            "Bins not emptied for days",
            "Spilled coffee on the corridor carpet",
        ],
        descriptions_de: &[
            "Im {location} wurden seit Montag weder die Mülleimer geleert noch die Teeküche \
             geputzt. Es riecht inzwischen unangenehm.",
            "Im Flur vor den Aufzügen ist eine Kanne Kaffee auf den Teppich gekippt. Bitte \
             möglichst schnell reinigen lassen.",
        ],
        descriptions_en: &[
            "In {location} the bins haven't been emptied and the kitchenette hasn't been cleaned \
             since Monday. It's starting to smell unpleasant.",
            "A pot of coffee was spilled on the carpet in the corridor by the lifts. Please have \
             it cleaned as soon as possible.",
        ],
        resolutions_de: &[
            "Reinigungsdienstleister informiert, der Bereich fehlte im neuen Reinigungsplan. Plan \
             ergänzt, Reinigung heute erfolgt.",
            "Sonderreinigung beauftragt, der Teppich wurde noch am selben Tag nass gereinigt.",
        ],
        resolutions_en: &[
            "Informed the cleaning contractor; the area had been left out of the new cleaning \
             schedule. Schedule updated and cleaning done today.",
            "Ordered a special cleaning; the carpet was wet-cleaned the same day.",
        ],
        problem: None,
    },
    Template {
        service: "building-maintenance",
        category: "Building",
        group: "facility-management",
        weight: 12,
        impact: 3,
        titles_de: &[
            "Deckenleuchte im {location} flackert",
            "Bürostuhl defekt – Rückenlehne lässt sich nicht feststellen",
            "Jalousie klemmt und lässt sich nicht hochfahren",
            "Höhenverstellbarer Schreibtisch fährt nicht mehr",
        ],
        titles_en: &[
            "Ceiling light in {location} flickering",
            "Office chair broken – backrest won't lock",
            "Blind stuck and won't go up",
            "Height-adjustable desk no longer moves",
        ],
        descriptions_de: &[
            "Die Deckenleuchte über unseren Plätzen im {location} flackert seit Tagen. Das ist auf \
             Dauer wirklich anstrengend für die Augen.",
            "Mein höhenverstellbarer Schreibtisch reagiert nicht mehr auf die Tasten. Er steht \
             jetzt fest auf Stehhöhe.",
        ],
        descriptions_en: &[
            "The ceiling light above our desks in {location} has been flickering for days. It's \
             really tiring for the eyes.",
            "My height-adjustable desk no longer responds to the buttons. It's stuck at standing \
             height.",
        ],
        resolutions_de: &[
            "Leuchtmittel und Vorschaltgerät getauscht. Die Beleuchtung funktioniert wieder \
             einwandfrei.",
            "Tischsteuerung per Reset-Fahrt zurückgesetzt, der Motor funktioniert wieder. \
             Anwender die Reset-Prozedur erklärt.",
        ],
        resolutions_en: &[
            "Replaced the lamp and the ballast. The lighting works properly again.",
            "Reset the desk controller with a reset run; the motor works again. Explained the \
             reset procedure to the user.",
        ],
        problem: None,
    },
    // --------------------------------------------------------------- Finance
    Template {
        service: "travel-expenses",
        category: "Expenses",
        group: "finance-systems",
        weight: 10,
        impact: 3,
        titles_de: &[
            "Reisekostenabrechnung hängt in der Genehmigung",
            "Spesenabrechnung seit drei Wochen nicht erstattet",
            "Reisekosten: Genehmiger ist im Urlaub",
        ],
        titles_en: &[
            "Expense report stuck in approval",
            "Expense claim not reimbursed for three weeks",
            "Travel expenses: approver is on holiday",
        ],
        descriptions_de: &[
            "Meine Reisekostenabrechnung vom Kundenbesuch steht seit drei Wochen auf „In \
             Genehmigung“. Meine Führungskraft sagt, sie hat nichts bekommen.",
            "Ich habe die Abrechnung für die Messe eingereicht, aber mein Genehmiger ist vier \
             Wochen in Elternzeit. Wer kann das freigeben?",
        ],
        descriptions_en: &[
            "My expense report from the customer visit has been \"Pending approval\" for three \
             weeks. My manager says she hasn't received anything.",
            "I submitted the report for the trade fair, but my approver is on parental leave for \
             four weeks. Who can approve it?",
        ],
        resolutions_de: &[
            "Workflow an die hinterlegte Vertretung weitergeleitet. Die Abrechnung wurde \
             genehmigt und mit dem nächsten Zahllauf erstattet.",
            "Als Genehmiger war ein ausgeschiedener Mitarbeiter eingetragen. \
             Kostenstellenverantwortlichen korrigiert und Workflow neu gestartet.",
        ],
        resolutions_en: &[
            "Forwarded the workflow to the registered deputy. The report was approved and \
             reimbursed in the next payment run.",
            "A former employee was set as approver. Corrected the cost centre owner and restarted \
             the workflow.",
        ],
        problem: Some(ProblemDef {
            title_de: "Reisekosten-Workflow bleibt bei abwesenden Genehmigern ohne Vertretung \
                       stehen",
            title_en: "Expense workflow stalls when approvers are absent without a deputy",
            root_cause_de: "Der Workflow ermittelt den Genehmiger aus den Stammdaten der \
                            Kostenstelle und prüft weder Abwesenheiten noch Austritte. Ohne \
                            gepflegte Vertretung bleibt die Genehmigung unbearbeitet liegen.",
            root_cause_en: "The workflow determines the approver from the cost centre master data \
                            and checks neither absences nor leavers. Without a deputy, the \
                            approval is never processed.",
            workaround_de: "Finance Systems leitet hängende Genehmigungen wöchentlich manuell an \
                            die nächsthöhere Führungskraft weiter.",
            workaround_en: "Finance Systems forwards stalled approvals manually to the next-level \
                            manager every week.",
            fix_de: "Eskalationsregel eingeführt: Nach fünf Arbeitstagen ohne Bearbeitung geht \
                     die Genehmigung automatisch an die nächsthöhere Ebene.",
            fix_en: "Introduced an escalation rule: after five working days without action, the \
                     approval automatically moves to the next level.",
        }),
    },
    Template {
        service: "travel-expenses",
        category: "Expenses",
        group: "finance-systems",
        weight: 6,
        impact: 3,
        titles_de: &[
            "Belege lassen sich in der Reisekosten-App nicht hochladen",
            "Firmenkreditkarten-Umsätze fehlen in der Abrechnung",
            "Fehler beim Einreichen der Reisekostenabrechnung",
        ],
        titles_en: &[
            "Receipts can't be uploaded in the expenses app",
            "Corporate card transactions missing from the expense report",
            "Error when submitting the expense report",
        ],
        descriptions_de: &[
            "Beim Hochladen der Hotelrechnung als PDF kommt nur „Upload fehlgeschlagen“. Fotos \
             vom Handy gehen auch nicht.",
            "Die Umsätze meiner Firmenkreditkarte vom letzten Monat werden in der Abrechnung \
             nicht angezeigt, deshalb kann ich nicht abrechnen.",
        ],
        descriptions_en: &[
            "When uploading the hotel invoice as a PDF I just get \"Upload failed\". Photos from \
             my phone don't work either.",
            "Last month's transactions from my corporate card don't show up in the expense \
             report, so I can't submit it.",
        ],
        resolutions_de: &[
            "PDF war größer als 10 MB. Datei komprimiert hochgeladen und das Limit für Belege auf \
             20 MB erhöht.",
            "Die Kreditkartendatei der Bank war nicht eingelesen worden. Import manuell \
             nachgeholt, die Umsätze sind jetzt sichtbar.",
        ],
        resolutions_en: &[
            "The PDF was larger than 10 MB. Uploaded a compressed file and raised the receipt \
             limit to 20 MB.",
            "The bank's credit card file had not been imported. Ran the import manually; the \
             transactions are now visible.",
        ],
        problem: None,
    },
];

pub static LOCATIONS_DE: &[&str] = &[
    "Gebäude A, 2. OG",
    "Gebäude B, 3. OG",
    "Gebäude C, Erdgeschoss",
    "Werk Nord, Halle 3",
    "Empfangsbereich Hauptgebäude",
    "Lager Süd, Tor 4",
    "Schulungszentrum, Raum 1.12",
    "Verwaltungsgebäude, 4. OG",
    "Besprechungsraum Rhein (Gebäude A)",
    "Labor, Gebäude D",
];

pub static LOCATIONS_EN: &[&str] = &[
    "Building A, 2nd floor",
    "Building B, 3rd floor",
    "Building C, ground floor",
    "North plant, hall 3",
    "the main building reception",
    "South warehouse, gate 4",
    "the training centre, room 1.12",
    "the administration building, 4th floor",
    "meeting room Rhine (Building A)",
    "the lab, Building D",
];

pub static FIRST_NAMES: &[&str] = &[
    "Anna",
    "Lukas",
    "Julia",
    "Felix",
    "Laura",
    "Jonas",
    "Sarah",
    "Maximilian",
    "Lea",
    "Tobias",
    "Katharina",
    "Daniel",
    "Sophie",
    "Michael",
    "Lena",
    "Stefan",
    "Marie",
    "Thomas",
    "Hannah",
    "Andreas",
    "Johanna",
    "Sebastian",
    "Sabine",
    "Markus",
    "Claudia",
    "Florian",
    "Nina",
    "Christian",
    "Miriam",
    "Jan",
    "Petra",
    "Matthias",
    "Elif",
    "Mehmet",
    "Ayşe",
    "Can",
    "Fatima",
    "Ahmed",
    "Olga",
    "Dmitri",
    "Agnieszka",
    "Piotr",
    "Marco",
    "Giulia",
    "Luca",
    "Sofia",
    "Carlos",
    "Elena",
    "David",
    "Emma",
    "Paul",
    "Mia",
    "Leon",
    "Clara",
    "Niklas",
    "Jürgen",
    "Ute",
    "Björn",
    "Chiara",
    "Yusuf",
];

pub static LAST_NAMES: &[&str] = &[
    "Müller",
    "Schmidt",
    "Schneider",
    "Fischer",
    "Weber",
    "Meyer",
    "Wagner",
    "Becker",
    "Schulz",
    "Hoffmann",
    "Schäfer",
    "Koch",
    "Bauer",
    "Richter",
    "Klein",
    "Wolf",
    "Schröder",
    "Neumann",
    "Schwarz",
    "Zimmermann",
    "Braun",
    "Krüger",
    "Hofmann",
    "Hartmann",
    "Lange",
    "Schmitt",
    "Werner",
    "Schmitz",
    "Krause",
    "Meier",
    "Lehmann",
    "Schmid",
    "Schulze",
    "Maier",
    "Köhler",
    "Herrmann",
    "König",
    "Walter",
    "Mayer",
    "Huber",
    "Kaiser",
    "Fuchs",
    "Peters",
    "Lang",
    "Scholz",
    "Möller",
    "Weiß",
    "Jung",
    "Hahn",
    "Vogel",
    "Yılmaz",
    "Kaya",
    "Nowak",
    "Kowalski",
    "Rossi",
    "García",
    "Popescu",
    "Nguyen",
    "Petrović",
    "Jansen",
];

pub static AGENT_QUESTIONS_DE: &[&str] = &[
    "Können Sie mir bitte einen Screenshot der Fehlermeldung schicken?",
    "Seit wann genau tritt das Problem auf, und hat sich in dieser Zeit etwas an Ihrem Gerät \
     geändert?",
    "Haben Sie das Gerät schon einmal komplett neu gestartet? Falls nicht, probieren Sie das bitte \
     und geben Sie mir kurz Bescheid.",
    "Betrifft das nur Sie oder auch Kolleginnen und Kollegen in Ihrer Nähe?",
    "Unter welcher Telefonnummer erreiche ich Sie heute am besten, damit wir uns das gemeinsam \
     ansehen können?",
    "Tritt der Fehler immer auf oder nur zu bestimmten Zeiten, z. B. morgens oder in \
     Besprechungen?",
    "Können Sie mir bitte die Inventarnummer des Geräts nennen? Sie steht auf dem Aufkleber an der \
     Unterseite.",
    "Dürfen wir uns per Fernwartung auf Ihren Rechner aufschalten? Ich würde mich dann gegen 14 \
     Uhr bei Ihnen melden.",
];

pub static AGENT_QUESTIONS_EN: &[&str] = &[
    "Could you please send me a screenshot of the error message?",
    "When exactly did the problem start, and has anything changed on your device since then?",
    "Have you tried a full restart of the device? If not, please give it a try and let me know.",
    "Does this affect only you, or also colleagues near you?",
    "What is the best number to reach you on today so we can look at this together?",
    "Does the error happen all the time or only at certain times, e.g. in the morning or during \
     meetings?",
    "Could you please tell me the asset number of the device? It's on the sticker on the \
     underside.",
    "May we connect to your computer via remote support? I would then call you at around 2 pm.",
];

pub static CALLER_REPLIES_DE: &[&str] = &[
    "Der Screenshot ist im Anhang. Die Meldung kommt jedes Mal, wenn ich es erneut versuche.",
    "Neu gestartet habe ich, das hat leider nichts geändert.",
    "Das Problem besteht seit gestern Nachmittag, vorher lief alles ohne Probleme.",
    "Bei den Kollegen nebenan funktioniert es, nur bei mir nicht.",
    "Sie erreichen mich heute bis 16 Uhr unter der Durchwahl 2318.",
    "Fernwartung ist in Ordnung, ich bin ab 14 Uhr am Platz.",
    "Es passiert vor allem morgens, nachmittags läuft es meistens.",
    "Im Moment scheint es wieder zu gehen. Ich melde mich, falls es erneut auftritt.",
];

pub static CALLER_REPLIES_EN: &[&str] = &[
    "The screenshot is attached. The message appears every time I try again.",
    "I did restart it, but unfortunately that didn't change anything.",
    "The problem started yesterday afternoon; before that everything worked fine.",
    "It works for my colleagues next door, just not for me.",
    "You can reach me today until 4 pm on extension 2318.",
    "Remote support is fine, I'll be at my desk from 2 pm.",
    "It mostly happens in the morning; in the afternoon it usually works.",
    "It seems to be working again at the moment. I'll get back to you if it happens again.",
];

pub static WORK_NOTES_DE: &[&str] = &[
    "Logs auf dem Server geprüft, zum gemeldeten Zeitpunkt keine Auffälligkeiten.",
    "Fehler im Testsystem nachgestellt, tritt dort ebenfalls auf.",
    "Ticket beim Hersteller eröffnet und Logdateien hochgeladen. Rückmeldung innerhalb von 24 \
     Stunden zugesagt.",
    "Ersatzteil bestellt, Lieferung voraussichtlich übermorgen.",
    "Per Fernwartung verbunden, die Ereignisanzeige zeigt wiederholte Treiberfehler.",
    "Ähnliche Meldungen von zwei weiteren Standorten, vermutlich zusammenhängend. Problem-Ticket \
     prüfen.",
    "Kurz mit dem Netzwerkteam gesprochen, die Port-Statistiken zeigen keine Fehler.",
    "Bekannter Fehler, Workaround aus der Wissensdatenbank angewendet.",
    "Konfiguration mit einem funktionierenden Referenzgerät verglichen, Unterschiede \
     dokumentiert.",
    "Anwender telefonisch nicht erreicht, Nachricht auf der Mailbox hinterlassen.",
];

pub static WORK_NOTES_EN: &[&str] = &[
    "Checked the server logs, nothing unusual at the reported time.",
    "Reproduced the error on the test system, it occurs there as well.",
    "Opened a ticket with the vendor and uploaded the log files. They promised a response within \
     24 hours.",
    "Spare part ordered, delivery expected the day after tomorrow.",
    "Connected via remote support; Event Viewer shows repeated driver errors.",
    "Similar reports from two other sites, probably related. Check for a problem ticket.",
    "Had a quick word with the network team, port statistics show no errors.",
    "Known error, applied the workaround from the knowledge base.",
    "Compared the configuration with a working reference device and documented the differences.",
    "Could not reach the user by phone, left a voicemail.",
];

pub static HOLD_NOTES_DE: &[&str] = &[
    "Warten auf Rückruf des Anwenders.",
    "Herstellerticket eröffnet, warten auf Antwort.",
    "Change ist für das Wochenende eingeplant.",
    "Warten auf Lieferung des Ersatzteils.",
    "Anwender ist bis Ende nächster Woche im Urlaub.",
    "Warten auf Freigabe durch die Führungskraft.",
];

pub static HOLD_NOTES_EN: &[&str] = &[
    "Waiting for the user to call back.",
    "Vendor ticket opened, waiting for a response.",
    "Change is scheduled for the weekend.",
    "Waiting for the spare part to be delivered.",
    "User is on holiday until the end of next week.",
    "Waiting for approval from the line manager.",
];

pub static REASSIGN_NOTES_DE: &[&str] = &[
    "Bitte übernehmen, betrifft das Netzwerk im {location}.",
    "Zuständigkeit liegt beim 2nd Level, Erstanalyse siehe oben.",
    "Hardwaredefekt bestätigt, bitte Vor-Ort-Einsatz einplanen.",
    "Bitte übernehmen, es handelt sich um ein Berechtigungsthema. Die Freigabe der Führungskraft \
     liegt vor.",
    "Fehler liegt im SAP-Backend, bitte durch die Basis prüfen lassen.",
    "Betrifft die Haustechnik im {location}, bitte einen Techniker vorbeischicken.",
];

pub static REASSIGN_NOTES_EN: &[&str] = &[
    "Please take over, this concerns the network in {location}.",
    "This belongs to 2nd level, see the initial analysis above.",
    "Hardware fault confirmed, please schedule an on-site visit.",
    "Please take over, this is a permissions issue. The line manager's approval is attached.",
    "The error is in the SAP backend, please have Basis check it.",
    "Concerns the building services in {location}, please send a technician.",
];

pub static CLOSE_NOTES_DE: &[&str] = &[
    "Funktioniert wieder, vielen Dank für die schnelle Hilfe!",
    "Habe es gerade getestet, alles läuft. Das Ticket kann geschlossen werden.",
    "Passt, danke! Seit gestern ist der Fehler nicht mehr aufgetreten.",
    "Ich bestätige, das Problem ist behoben. Danke für die Geduld.",
    "Super, jetzt klappt es wieder. Schönen Tag noch!",
];

pub static CLOSE_NOTES_EN: &[&str] = &[
    "Working again, thanks a lot for the quick help!",
    "Just tested it, everything works. The ticket can be closed.",
    "All good, thanks! The error hasn't come back since yesterday.",
    "I can confirm the problem is fixed. Thanks for your patience.",
    "Great, it works again now. Have a nice day!",
];

#[cfg(test)]
mod tests {
    use super::*;

    fn is_valid_key(key: &str) -> bool {
        let edge_ok =
            |c: Option<char>| matches!(c, Some(c) if c.is_ascii_lowercase() || c.is_ascii_digit());
        edge_ok(key.chars().next())
            && edge_ok(key.chars().next_back())
            && key
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
    }

    fn group_exists(key: &str) -> bool {
        GROUPS.iter().any(|g| g.key == key)
    }

    fn service_exists(key: &str) -> bool {
        SERVICES.iter().any(|s| s.key == key)
    }

    #[test]
    fn keys_are_well_formed() {
        for g in GROUPS {
            assert!(is_valid_key(g.key), "bad group key {:?}", g.key);
        }
        for s in SERVICES {
            assert!(is_valid_key(s.key), "bad service key {:?}", s.key);
        }
    }

    #[test]
    fn references_resolve() {
        for s in SERVICES {
            assert!(
                group_exists(s.owner),
                "unknown owner {:?} of service {:?}",
                s.owner,
                s.key
            );
        }
        for t in TEMPLATES {
            assert!(group_exists(t.group), "unknown group {:?}", t.group);
            assert!(service_exists(t.service), "unknown service {:?}", t.service);
        }
    }

    #[test]
    fn template_texts_are_complete() {
        for t in TEMPLATES {
            let slices = [
                t.titles_de,
                t.titles_en,
                t.descriptions_de,
                t.descriptions_en,
                t.resolutions_de,
                t.resolutions_en,
            ];
            for slice in slices {
                assert!(
                    !slice.is_empty(),
                    "empty text slice in template {:?}",
                    t.titles_en
                );
            }
            for title in t.titles_de.iter().chain(t.titles_en.iter()) {
                assert!(title.chars().count() <= 200, "title too long: {title:?}");
            }
        }
    }

    #[test]
    fn locations_match() {
        assert_eq!(LOCATIONS_DE.len(), LOCATIONS_EN.len());
    }
}
